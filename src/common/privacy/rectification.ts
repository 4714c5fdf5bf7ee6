/** One field a rectification changed, with its value before and after (personal data: kept only with the request). */
export interface FieldChange {
  field: string;
  old: string | null;
  new: string | null;
}
