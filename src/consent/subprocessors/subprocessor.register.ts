/**
 * The service providers that process personal data for PromoX, as the privacy policy lists them. Kept in code, so
 * that a change is reviewed and shipped like any other change to what the product does with data.
 */
export interface Subprocessor {
  name: string;
  purpose: string;
  dataProcessed: string;
  location: string;
  website: string;
}

export const SUBPROCESSORS: readonly Subprocessor[] = [
  {
    name: 'Amazon Web Services EMEA SARL',
    purpose: 'Hosting: application servers, PostgreSQL database, backups',
    dataProcessed: 'All account, business and support data stored in PromoX',
    location: 'European Union (Frankfurt, Germany)',
    website: 'https://aws.amazon.com/compliance/gdpr-center/',
  },
  {
    name: 'Stripe Payments Europe, Ltd.',
    purpose: 'Billing: subscriptions, card payments, invoices',
    dataProcessed: 'Billing contact, company name and address, payment card details (PromoX keeps only brand and last four digits)',
    location: 'Ireland (European Union); United States',
    website: 'https://stripe.com/legal/privacy-center',
  },
  {
    name: 'Postmark (ActiveCampaign, LLC)',
    purpose: 'Email: invitations, account and security notifications, support replies',
    dataProcessed: 'Recipient name and email address, message content',
    location: 'United States',
    website: 'https://postmarkapp.com/eu-privacy',
  },
];
