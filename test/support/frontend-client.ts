import request from 'supertest';
import type { PrivateKeyAccount } from 'viem/accounts';
import { requestNonce, signedSiwe } from './auth';
import type { SameOriginProxy } from './same-origin-proxy';

export interface FrontendRequest {
  /** The `Origin` to send instead of the page's own: another site's, or null for none at all. */
  origin?: string | null;
}

/**
 * The frontend's requests as a browser sends them from its page: relative URLs on the page's
 * origin (the same-origin proxy), no `Authorization` header, the cookies the answers set carried
 * (path and expiry honoured, HttpOnly ones too: only scripts cannot read them), and `Origin` on
 * every request that is not a GET or HEAD (fetch sends it on same-origin POST and PATCH as well).
 */
export class FrontendClient {
  private readonly agent: ReturnType<typeof request.agent>;

  constructor(readonly page: SameOriginProxy) {
    this.agent = request.agent(page.origin);
  }

  get(path: string): request.Test {
    return this.agent.get(path);
  }

  post(path: string, body?: object, options: FrontendRequest = {}): request.Test {
    return this.write(this.agent.post(path), body, options);
  }

  patch(path: string, body: object, options: FrontendRequest = {}): request.Test {
    return this.write(this.agent.patch(path), body, options);
  }

  /** Sign-in as the frontend will add it: nonce, the wallet signs a message for the page's host, verify sets the cookie. */
  async signIn(wallet: PrivateKeyAccount): Promise<request.Response> {
    const nonce = await requestNonce(this.page.origin);
    const signed = await signedSiwe(wallet, nonce, { domain: this.page.host, uri: this.page.origin });
    return this.post('/api/auth/verify', signed).expect(200);
  }

  private write(test: request.Test, body: object | undefined, { origin = this.page.origin }: FrontendRequest): request.Test {
    if (origin !== null) test.set('origin', origin);
    return body === undefined ? test : test.send(body);
  }
}
