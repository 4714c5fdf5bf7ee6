import { Inject, Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { AppError, ErrorCode } from '../common/errors/app-errors.js';
import { AppConfig } from '../config/app-config.js';
import { stripeEventProblem } from './stripe-event-payload.js';

/** The HTTP status and stable code of a webhook request that is not accepted. */
export class WebhookRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The one way to Stripe: the official SDK with the secret key from configuration. Without a key, every billing
 * operation answers BILLING_NOT_CONFIGURED and the rest of the service works as before.
 */
@Injectable()
export class StripeGateway {
  private readonly stripe: Stripe | null;

  constructor(@Inject(AppConfig) private readonly config: AppConfig) {
    this.stripe = config.STRIPE_SECRET_KEY
      ? new Stripe(config.STRIPE_SECRET_KEY, { ...endpointOf(config.STRIPE_API_BASE_URL), maxNetworkRetries: 1, timeout: 15_000 })
      : null;
  }

  get configured(): boolean {
    return this.stripe !== null;
  }

  /** The SDK client; BILLING_NOT_CONFIGURED without a key. */
  client(): Stripe {
    if (!this.stripe) throw new AppError(ErrorCode.BILLING_NOT_CONFIGURED, 'Billing is not configured on this server (no Stripe secret key).');
    return this.stripe;
  }

  /** Runs one Stripe call; Stripe's own refusals and network failures become BILLING_PROVIDER_ERROR. */
  async call<T>(fn: (stripe: Stripe) => Promise<T>): Promise<T> {
    const stripe = this.client();
    try {
      return await fn(stripe);
    } catch (error) {
      if (error instanceof Stripe.errors.StripeError) {
        throw new AppError(ErrorCode.BILLING_PROVIDER_ERROR, `Stripe refused the request: ${error.message}`, {
          stripeCode: error.code ?? null,
          stripeRequestId: error.requestId ?? null,
        });
      }
      throw error;
    }
  }

  /** Verifies the signature of a webhook's raw body, parses it and checks it is an event; a WebhookRefusal otherwise. */
  verifiedEvent(rawBody: Buffer | undefined, signature: string | undefined): Stripe.Event {
    if (!this.stripe || !this.config.STRIPE_WEBHOOK_SECRET) {
      throw new WebhookRefusal(503, ErrorCode.BILLING_NOT_CONFIGURED, 'Billing is not configured on this server.');
    }
    if (!rawBody || !signature) throw new WebhookRefusal(400, ErrorCode.INVALID_SIGNATURE, 'Missing Stripe-Signature header or body.');
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(rawBody, signature, this.config.STRIPE_WEBHOOK_SECRET);
    } catch {
      throw new WebhookRefusal(400, ErrorCode.INVALID_SIGNATURE, 'The Stripe signature does not match the body.');
    }
    const problem = stripeEventProblem(event);
    if (problem) throw new WebhookRefusal(400, ErrorCode.BAD_USER_INPUT, `Not a Stripe event: ${problem}.`);
    return event;
  }
}

/** STRIPE_API_BASE_URL as the SDK's host, port and protocol (a local fake Stripe in tests). */
function endpointOf(baseUrl: string | undefined): { host?: string; port?: number; protocol?: 'http' | 'https' } {
  if (!baseUrl) return {};
  const url = new URL(baseUrl);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port ? Number(url.port) : protocol === 'http' ? 80 : 443, protocol };
}
