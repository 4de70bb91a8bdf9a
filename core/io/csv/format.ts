/** Quotes a field only when it must be: commas, quotes, newlines, or surrounding spaces. */
export const csvField = (value: string): string =>
  /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value

export const csvLine = (fields: ReadonlyArray<string>): string => fields.map(csvField).join(",") + "\n"
