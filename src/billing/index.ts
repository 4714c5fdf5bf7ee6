// What the app needs of billing besides BillingModule: where Stripe's webhook arrives (it needs the raw body).
export { STRIPE_WEBHOOK_PATH } from './stripe-webhook.controller.js';
