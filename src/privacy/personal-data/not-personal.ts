/**
 * Columns whose names look personal but that hold no data about a natural person, each with the reason. The
 * personal-data coverage test accepts a personal-looking column only if a module declares it or it is listed here.
 * Keys are `table.column`.
 */
export const NOT_PERSONAL: Readonly<Record<string, string>> = {
  'tenant.name': "The distributor company's name: the tenant is an organisation, closed and purged as a whole.",
  'tenant.phone': "The company's switchboard number, part of its company profile.",
  'tenant.billing_email': "The company's invoicing address (billing data of the organisation).",
  ...Object.fromEntries(
    ['line1', 'line2', 'city', 'region', 'postal_code', 'country'].map((part) => [`tenant.address_${part}`, "The company's business address."]),
  ),
  'client.name': 'A client is an organisation the distributor sells to; the people at it are contacts, declared by business.',
  ...Object.fromEntries(
    ['billing', 'shipping'].flatMap((prefix) =>
      ['line1', 'line2', 'city', 'region', 'postal_code', 'country'].map((part) => [
        `client.${prefix}_${part}`,
        "The client company's billing or shipping address.",
      ]),
    ),
  ),
  'api_key.name': 'A label for a partner integration, e.g. "SAGE sync".',
  'order_line.product_name': 'A product, not a person.',
  'audit_entry.actor_name': 'The name of a system job (e.g. "privacy-jobs"), never a person\'s.',
  'data_subject_request_event.actor_name': 'The name of a system job (e.g. "privacy-jobs"), never a person\'s.',
};

/**
 * Columns that look as if they may hold free text (by name, or long text) but hold no one's words, each with the
 * reason. The coverage test accepts a free-text-looking column only if a module declares it as free text (erasure then
 * replaces identifiers in it) or it is listed here. Keys are `table.column`.
 */
export const NOT_FREE_TEXT: Readonly<Record<string, string>> = {
  'billing_invoice.hosted_invoice_url': "Stripe's link to the invoice page.",
  'billing_invoice.invoice_pdf_url': "Stripe's link to the invoice PDF.",
  'policy_document.text': "The platform's own policy or terms, written and published by PromoX: about no data subject.",
  'stripe_event.id': "Stripe's event id.",
};
