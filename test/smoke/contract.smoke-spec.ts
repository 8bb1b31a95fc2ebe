import { randomBytes } from 'node:crypto';
import request from 'supertest';

/**
 * The read-only part of the contract, checked over HTTP against SMOKE_BASE_URL (set by
 * `npm run smoke -- <base-url>`). Nothing here writes: every request is a read, or a write the
 * contract refuses before it touches data, so it is safe against production. Every path is under
 * /api, so it runs against the frontend's domain too, through the ingress that routes /api here.
 */
const BASE = process.env.SMOKE_BASE_URL;
if (!BASE) throw new Error('SMOKE_BASE_URL is not set: run `npm run smoke -- <base-url>`');

const api = () => request(BASE);
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
// Random, so that no real profile or nickname can answer.
const ADDRESS = `0x${hex(20)}`;
const NICKNAME = `Smoke_${hex(6)}`;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe(`contract smoke checks against ${BASE}`, () => {
  it('GET /api/health → 200 {status:"ok", timestamp, version}, JSON, with the security headers (the legacy probe path)', async () => {
    const res = await api().get('/api/health').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({ status: 'ok', timestamp: expect.stringMatching(ISO), version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('HEAD /api/health → 200 (container and deploy gates)', async () => {
    await api().head('/api/health').expect(200);
  });

  it('GET /api/health/db → 200 {status:"healthy"}: the instance reaches its database', async () => {
    const res = await api().get('/api/health/db');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'healthy' });
  });

  it('GET /api/profile/<unknown address> → 404 {"error":"Profile not found"}', async () => {
    const res = await api().get(`/api/profile/${ADDRESS}`).expect(404);
    expect(res.body).toEqual({ error: 'Profile not found' });
  });

  it('GET /api/profile/<not an address> → 400 {"error":"Invalid address format"}', async () => {
    const res = await api().get('/api/profile/0x1234').expect(400);
    expect(res.body).toEqual({ error: 'Invalid address format' });
  });

  it('GET /api/profiles?addresses=<unknown> → 200 {profiles:[], missing:[it]}', async () => {
    const res = await api().get(`/api/profiles?addresses=${ADDRESS.toUpperCase().replace('0X', '0x')}`).expect(200);
    expect(res.body).toEqual({ profiles: [], missing: [ADDRESS] });
  });

  it('GET /api/nicknames/check/<free name> → 200 {available:true, normalized}', async () => {
    const res = await api().get(`/api/nicknames/check/${NICKNAME}`).expect(200);
    expect(res.body).toEqual({ available: true, normalized: NICKNAME.toLowerCase() });
  });

  it('GET /api/nicknames/check/admin → reserved: {available:false, reason:"invalid"}', async () => {
    const res = await api().get('/api/nicknames/check/Admin').expect(200);
    expect(res.body).toEqual({ available: false, normalized: 'admin', reason: 'invalid', error: 'This nickname is reserved' });
  });

  it('GET /api/nicknames/check/ab → too short: {available:false, reason:"invalid", error}', async () => {
    const res = await api().get('/api/nicknames/check/ab').expect(200);
    expect(res.body).toEqual({ available: false, normalized: 'ab', reason: 'invalid', error: 'Nickname must be at least 3 characters' });
  });

  it('GET /api/nicknames/check?nickname= → 400 "Nickname is required"', async () => {
    const res = await api().get('/api/nicknames/check?nickname=').expect(400);
    expect(res.body).toEqual({ available: false, normalized: '', reason: 'invalid', error: 'Nickname is required' });
  });

  it('GET /api/nicknames/resolve/<unknown> → 404 {"error":"Nickname not found"}', async () => {
    const res = await api().get(`/api/nicknames/resolve/${NICKNAME}`).expect(404);
    expect(res.body).toEqual({ error: 'Nickname not found' });
  });

  it('GET /api/nicknames/reverse/<unknown address> → 404 with body null', async () => {
    const res = await api().get(`/api/nicknames/reverse/${ADDRESS}`).expect(404);
    expect(res.text).toBe('null');
  });

  it('POST /api/profile without a session → 401 (writes need a signed-in owner; nothing is written)', async () => {
    const res = await api().post('/api/profile').send({ address: ADDRESS, nickname: NICKNAME }).expect(401);
    expect(res.body).toEqual({ error: 'Authentication required' });
  });

  it('GET /api/nicknames/address/<unknown address> → 404 {"error":"Nickname not found"} (the sign-up component)', async () => {
    const res = await api().get(`/api/nicknames/address/${ADDRESS}`).expect(404);
    expect(res.body).toEqual({ error: 'Nickname not found' });
  });

  it('an unknown route under /api → 404 as JSON {error}, never HTML (so /api reaches this service)', async () => {
    const res = await api().get(`/api/no-such-route-${hex(4)}`).expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual(expect.objectContaining({ error: expect.any(String) }));
  });
});
