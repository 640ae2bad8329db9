// How REST catalog requests are authorized: a fixed bearer token, OAuth2 client
// credentials (rest-oauth2.ts), or nothing (a local catalog without auth).

export interface RestAuth {
  /** Headers to add to the next request (e.g. Authorization). */
  headers(): Promise<Record<string, string>>;
  /**
   * The catalog answered 401 to a request sent with these headers; returns
   * true if fresh credentials were obtained and the request is worth one more try.
   */
  refreshAfterUnauthorized(): Promise<boolean>;
}

export const NO_AUTH: RestAuth = {
  headers: async () => ({}),
  refreshAfterUnauthorized: async () => false,
};

export class StaticTokenAuth implements RestAuth {
  readonly #token: string;

  constructor(token: string) {
    this.#token = token;
  }

  async headers(): Promise<Record<string, string>> {
    return { Authorization: `Bearer ${this.#token}` };
  }

  async refreshAfterUnauthorized(): Promise<boolean> {
    return false;
  }
}
