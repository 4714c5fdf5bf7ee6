import { UAParser } from 'ua-parser-js';

export interface Device {
  browser: string | null;
  os: string | null;
  /** mobile, tablet, desktop, …; null when the user agent says nothing recognisable. */
  deviceType: string | null;
}

/** A version's major part, as ua-parser-js's deprecated `major` computes it. */
const majorOf = (version?: string) => version?.replace(/[^\d.]/g, '').split('.')[0];

const joined = (name?: string, version?: string) => (name ? (version ? `${name} ${version}` : name).slice(0, 100) : null);

/** Browser, OS and device type from a User-Agent header (ua-parser-js 1.x, MIT). */
export function deviceOf(userAgent: string | null | undefined): Device {
  if (!userAgent) return { browser: null, os: null, deviceType: null };
  const result = new UAParser(userAgent).getResult();
  const browser = joined(result.browser.name, majorOf(result.browser.version));
  const os = joined(result.os.name, result.os.version);
  // The parser names mobile and tablet devices; a known browser on a known OS without a device type is a desktop.
  const deviceType = result.device.type ?? (browser && os ? 'desktop' : null);
  return { browser, os, deviceType };
}
