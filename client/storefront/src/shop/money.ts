const formats = new Map<string, Intl.NumberFormat>();

function formatFor(currency: string, locale: string | undefined): Intl.NumberFormat {
  const key = `${locale ?? ''}|${currency}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: 'currency', currency });
    formats.set(key, format);
  }
  return format;
}

/**
 * An amount in the currency's minor unit (cents for USD, yen for JPY) as the shopper reads it,
 * e.g. `formatMoney(4900, 'USD', 'en-US')` is "$49.00".
 */
export function formatMoney(minorUnits: number, currency: string, locale?: string): string {
  const format = formatFor(currency, locale);
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minorUnits / 10 ** digits);
}
