import { EARLIEST_INSTANT, LATEST_INSTANT } from '../common/graphql/scalars.js';
import { unstorableTextProblems } from '../common/validation/storable-text.js';

/** Longest Stripe id the intake stores (the stripe_event columns hold 255 characters). */
const MAX_ID_LENGTH = 255;

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Why `value` is not a Stripe id the intake can store, or null when it is one (`optional`: absent is fine too). */
function idProblem(value: unknown, name: string, optional = false): string | null {
  if (value === undefined && optional) return null;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH) {
    return `${name} must be a string of 1–${MAX_ID_LENGTH} characters`;
  }
  const [problem] = unstorableTextProblems(value);
  return problem ? `${name} ${problem}` : null;
}

/** Why the event's `created` (epoch seconds) is not an instant the database can hold, or null. */
function createdProblem(created: unknown): string | null {
  if (typeof created !== 'number' || !Number.isSafeInteger(created)) return 'created must be an integer (epoch seconds)';
  const at = created * 1000;
  return at < EARLIEST_INSTANT.getTime() || at > LATEST_INSTANT.getTime() ? 'created is out of range' : null;
}

function customerProblem(customer: unknown): string | null {
  if (customer === undefined || customer === null) return null;
  if (isObject(customer)) return idProblem(customer.id, 'data.object.customer.id');
  return idProblem(customer, 'data.object.customer');
}

/**
 * Why a verified webhook body is not an event the intake can store (what it reads: id, type, created, livemode and
 * data.object's id, object and customer), or null. The signature proves who sent the bytes, not that they hold an
 * event: a signed body without `data` is the sender's mistake (400), not ours (500), and nothing of it is stored.
 */
export function stripeEventProblem(event: unknown): string | null {
  if (!isObject(event)) return 'the body must be a JSON object';
  const object = isObject(event.data) ? event.data.object : undefined;
  if (!isObject(object)) return 'data.object must be an object';
  return (
    idProblem(event.id, 'id') ??
    idProblem(event.type, 'type') ??
    (typeof event.type === 'string' && event.type.length > 100 ? 'type must be at most 100 characters' : null) ??
    createdProblem(event.created) ??
    (typeof event.livemode === 'boolean' ? null : 'livemode must be a boolean') ??
    idProblem(object.id, 'data.object.id', true) ??
    (object.object === undefined || typeof object.object === 'string' ? null : 'data.object.object must be a string') ??
    customerProblem(object.customer)
  );
}
