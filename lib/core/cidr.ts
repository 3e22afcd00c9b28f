/** A parsed IPv4 CIDR block. */
export interface Cidr {
  readonly base: number;
  readonly prefix: number;
}

/** Parses `a.b.c.d/n`; returns undefined when it is not a valid, aligned IPv4 CIDR block. */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const base = ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  if ((base & ~mask) >>> 0 !== 0) return undefined;
  return { base, prefix };
}

/** Terraform's cidrsubnet(): the `netnum`-th block of `prefix + newbits` inside `cidr`. */
export function cidrSubnet(cidr: Cidr, newbits: number, netnum: number): string {
  const prefix = cidr.prefix + newbits;
  if (prefix > 32 || netnum >= 2 ** newbits) throw new Error(`cidrSubnet: ${netnum} does not fit in ${newbits} bits`);
  return formatCidr({ base: (cidr.base + netnum * 2 ** (32 - prefix)) >>> 0, prefix });
}

export function formatCidr(c: Cidr): string {
  return `${c.base >>> 24}.${(c.base >>> 16) & 255}.${(c.base >>> 8) & 255}.${c.base & 255}/${c.prefix}`;
}

/** Whether block `inner` lies inside block `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  const mask = outer.prefix === 0 ? 0 : (0xffffffff << (32 - outer.prefix)) >>> 0;
  return inner.prefix >= outer.prefix && ((inner.base & mask) >>> 0) === outer.base;
}

/** Whether the block lies in RFC 1918 private space. */
export function isPrivateCidr(c: Cidr): boolean {
  const inside = (net: string) => cidrContains(parseCidr(net)!, c);
  return inside('10.0.0.0/8') || inside('172.16.0.0/12') || inside('192.168.0.0/16');
}
