import { isPrivateAddress, isVpcPrivateHost } from './connection-doctor';

describe('private database hosts (the doctor calls them out before connecting)', () => {
  it.each(['10.0.0.5', '10.255.255.255', '172.16.0.1', '172.31.255.254', '192.168.1.20', 'fd12:3456::1', 'fc00::1'])(
    '%s is a private address',
    (ip) => {
      expect(isPrivateAddress(ip)).toBe(true);
      expect(isVpcPrivateHost(ip)).toBe(true);
    },
  );

  it.each(['127.0.0.1', '172.15.0.1', '172.32.0.1', '192.169.0.1', '11.0.0.1', '::1', '2001:db8::1', 'db.example.com'])('%s is not', (host) => {
    expect(isPrivateAddress(host)).toBe(false);
    expect(isVpcPrivateHost(host)).toBe(false);
  });

  it("DigitalOcean's VPC-only endpoint names start with private-", () => {
    expect(isVpcPrivateHost('private-villa-pg-do-user-123-0.b.db.ondigitalocean.com')).toBe(true);
    expect(isVpcPrivateHost('villa-pg-do-user-123-0.b.db.ondigitalocean.com')).toBe(false);
  });
});
