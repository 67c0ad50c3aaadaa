export const APP_CSP: string
export const APP_CSP_HEADER: string
export const APP_HEADERS: Record<string, string>
