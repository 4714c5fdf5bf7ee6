// What the app needs of privacy besides PrivacyModule: the export download path and its malformed-link handler.
export { EXPORT_PATH } from './exports/export-link.js';
export { undecodableExportLinks } from './exports/privacy-export.controller.js';
