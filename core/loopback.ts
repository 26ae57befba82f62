// Whether a host name or address stays on this machine: traffic to it never crosses a network.

/** localhost, 127.0.0.0/8 or ::1 (bracketed as in a URL, or not). */
export const isLoopback = (host: string): boolean => /^(localhost|127(\.\d+){3}|::1|\[::1\])$/i.test(host);
