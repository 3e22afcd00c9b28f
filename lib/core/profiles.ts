/** The environments the library knows. */
export type EnvironmentName = 'dev' | 'staging' | 'prod';

/**
 * Protective defaults for one environment. Every construct reads its defaults from the profile of
 * its stack; each value can be overridden per construct through that construct's props.
 */
export interface EnvironmentProfile {
  /** The environment this profile is for. */
  readonly name: EnvironmentName;
  /** Availability zones the network spans. */
  readonly availabilityZoneCount: number;
  /** One NAT gateway per AZ (true) or a single shared one (false). */
  readonly natGatewayPerAz: boolean;
  /** Deletion protection on clusters, databases and tables. */
  readonly deletionProtection: boolean;
  /** Terraform `prevent_destroy` on data stores (buckets, tables, databases). */
  readonly preventDestroy: boolean;
  /** Multi-AZ databases and caches. */
  readonly multiAz: boolean;
  /** CloudWatch log retention in days. */
  readonly logRetentionDays: number;
  /** The lowest log retention any construct may set. */
  readonly minimumLogRetentionDays: number;
  /** Backup retention of databases, in days. */
  readonly backupRetentionDays: number;
  /** The lowest backup retention any construct may set. */
  readonly minimumBackupRetentionDays: number;
  /** Days a non-current object version is kept in a versioned bucket. */
  readonly noncurrentVersionRetentionDays: number;
  /** Days of Object Lock retention for audit logs. */
  readonly auditRetentionDays: number;
  /** Days an image stays in a stream, and the lowest a stream may set (Kinesis minimum is 24h). */
  readonly streamRetentionHours: number;
  /** Lowest replica count of a serving workload. */
  readonly minReplicas: number;
  /** Instance types of the system node group. */
  readonly systemNodeInstanceTypes: string[];
  /** Size of the system node group. */
  readonly systemNodeCount: { min: number; desired: number; max: number };
  /**
   * Images from outside the platform's ContainerRegistry must be pinned by digest (a tag can be
   * moved to another image); when false, a version tag is accepted.
   * @default true (false in dev)
   */
  readonly imageDigestsRequired?: boolean;
}

const dev: EnvironmentProfile = {
  name: 'dev',
  availabilityZoneCount: 2,
  natGatewayPerAz: false,
  deletionProtection: false,
  preventDestroy: false,
  multiAz: false,
  logRetentionDays: 30,
  minimumLogRetentionDays: 7,
  backupRetentionDays: 7,
  minimumBackupRetentionDays: 7,
  noncurrentVersionRetentionDays: 30,
  auditRetentionDays: 90,
  streamRetentionHours: 24,
  minReplicas: 1,
  systemNodeInstanceTypes: ['m6i.large', 'm7i.large'],
  systemNodeCount: { min: 2, desired: 2, max: 4 },
  imageDigestsRequired: false,
};

const staging: EnvironmentProfile = {
  ...dev,
  name: 'staging',
  availabilityZoneCount: 3,
  natGatewayPerAz: true,
  deletionProtection: true,
  multiAz: true,
  logRetentionDays: 90,
  minimumLogRetentionDays: 30,
  backupRetentionDays: 14,
  noncurrentVersionRetentionDays: 90,
  auditRetentionDays: 365,
  streamRetentionHours: 72,
  minReplicas: 2,
  systemNodeCount: { min: 2, desired: 3, max: 6 },
  imageDigestsRequired: true,
};

const prod: EnvironmentProfile = {
  ...staging,
  name: 'prod',
  preventDestroy: true,
  logRetentionDays: 365,
  minimumLogRetentionDays: 90,
  backupRetentionDays: 35,
  minimumBackupRetentionDays: 14,
  noncurrentVersionRetentionDays: 365,
  auditRetentionDays: 2555,
  streamRetentionHours: 168,
  systemNodeInstanceTypes: ['m6i.xlarge', 'm7i.xlarge'],
  systemNodeCount: { min: 3, desired: 3, max: 9 },
};

/** The built-in profiles. */
export const Profiles: Readonly<Record<EnvironmentName, EnvironmentProfile>> = { dev, staging, prod };

/** The keys each profile made by {@link profileFor} took from its overrides. */
const OVERRIDDEN = new WeakMap<EnvironmentProfile, ReadonlySet<string>>();

/** A built-in profile by name, with some values overridden. */
export function profileFor(name: EnvironmentName, overrides: Partial<Omit<EnvironmentProfile, 'name'>> = {}): EnvironmentProfile {
  const profile = { ...Profiles[name], ...overrides, name };
  OVERRIDDEN.set(profile, new Set(Object.keys(overrides).filter((k) => (overrides as Record<string, unknown>)[k] !== undefined)));
  return profile;
}

/**
 * Where a profile value came from, as the user wrote it, for error messages:
 * `profileOverrides.logRetentionDays` when it was overridden (MlopsPlatform's profileOverrides, or
 * profileFor's overrides), else `the prod profile's logRetentionDays`.
 */
export function profileValueSource(profile: EnvironmentProfile, key: keyof Omit<EnvironmentProfile, 'name'>): string {
  return OVERRIDDEN.get(profile)?.has(key) ? `profileOverrides.${key}` : `the ${profile.name} profile's ${key}`;
}
