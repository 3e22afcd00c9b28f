/**
 * The price table the review estimates monthly cost from. On-demand Linux prices in USD for
 * us-east-1, as published on the AWS pricing pages on the date below; other regions differ by up to
 * ~30%. Estimates only: verify before budgeting, and update the table and its date together.
 */
export const PRICE_TABLE = {
  date: '2025-06-01',
  region: 'us-east-1',
  currency: 'USD',
  hoursPerMonth: 730,
  /** EC2 on-demand $/hour. */
  instanceHourly: {
    'g4dn.xlarge': 0.526, 'g4dn.2xlarge': 0.752, 'g4dn.12xlarge': 3.912,
    'g5.xlarge': 1.006, 'g5.2xlarge': 1.212, 'g5.4xlarge': 1.624, 'g5.12xlarge': 5.672, 'g5.48xlarge': 16.288,
    'g6.xlarge': 0.8048, 'g6.2xlarge': 0.9776, 'g6.12xlarge': 4.6016, 'g6e.xlarge': 1.861, 'g6e.12xlarge': 10.493,
    'p4d.24xlarge': 32.7726, 'p5.48xlarge': 55.04,
    'm6i.large': 0.096, 'm6i.xlarge': 0.192, 'm7i.large': 0.1008, 'm7i.xlarge': 0.2016,
  } as Record<string, number>,
  /** GPUs per instance type, for Karpenter nvidia.com/gpu limits. */
  gpusPerInstance: { 'g4dn.xlarge': 1, 'g4dn.2xlarge': 1, 'g4dn.12xlarge': 4, 'g5.xlarge': 1, 'g5.2xlarge': 1, 'g5.4xlarge': 1, 'g5.12xlarge': 4, 'g5.48xlarge': 8, 'g6.xlarge': 1, 'g6.2xlarge': 1, 'g6.12xlarge': 4, 'g6e.xlarge': 1, 'g6e.12xlarge': 4, 'p4d.24xlarge': 8, 'p5.48xlarge': 8 } as Record<string, number>,
  /** $/GPU-hour assumed for a Karpenter GPU limit when the instance type is open (g5 price per GPU). */
  defaultGpuHourly: 1.006,
  /** RDS on-demand $/hour (single-AZ; Multi-AZ doubles). */
  rdsHourly: { 'db.t4g.medium': 0.065, 'db.r6g.large': 0.225, 'db.r6g.xlarge': 0.45, 'db.m6g.large': 0.152 } as Record<string, number>,
  /** ElastiCache $/node-hour. */
  cacheHourly: { 'cache.r6g.large': 0.206, 'cache.t4g.medium': 0.065 } as Record<string, number>,
  /** Fixed monthly charges. */
  monthly: { eksCluster: 73, natGateway: 32.85, kinesisShard: 10.95, kmsKey: 1, mskBrokerM5Large: 153.3 },
  /** Per-GB-month storage (usage-based; shown as rates, not totals). */
  storagePerGbMonth: { s3Standard: 0.023, gp3: 0.08, rdsGp3: 0.115, dynamodb: 0.25 },
} as const;
