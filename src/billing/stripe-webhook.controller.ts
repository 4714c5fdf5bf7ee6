import { Controller, Headers, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Public } from '../common/authorization/access.decorators.js';
import { sendGraphQLError } from '../common/http/graphql-error-response.js';
import { RAW_BODY, type WithRawBody } from '../common/http/raw-body.js';
import { StripeEvents } from './stripe-events.service.js';
import { StripeGateway, WebhookRefusal } from './stripe.gateway.js';

export const STRIPE_WEBHOOK_PATH = '/billing/stripe/webhook';

/**
 * Stripe's webhook endpoint. Public: the signature over the raw body is the credential, so nothing is stored before
 * it verifies. Answers 200 once the event is stored (even when applying it failed: the retry job has it), 400 for a
 * bad or missing signature, 503 when billing is not configured.
 */
@Controller('billing/stripe')
export class StripeWebhookController {
  constructor(
    private readonly gateway: StripeGateway,
    private readonly events: StripeEvents,
  ) {}

  @Public()
  @Post('webhook')
  async receive(@Req() req: Request & WithRawBody, @Headers('stripe-signature') signature: string | undefined, @Res() res: Response): Promise<void> {
    try {
      const event = this.gateway.verifiedEvent(req[RAW_BODY], signature);
      const { duplicate } = await this.events.receive(event);
      res.status(200).json({ received: true, duplicate });
    } catch (error) {
      if (!(error instanceof WebhookRefusal)) throw error;
      sendGraphQLError(res, error.status, error.code, error.message);
    }
  }
}
