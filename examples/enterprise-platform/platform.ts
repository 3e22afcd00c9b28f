import { Construct } from 'constructs';
import { MlopsPlatform } from '../../lib';

/** The reference platform: what `cdktf synth` builds from this repository. */
export function createReferencePlatform(scope: Construct, id = 'mlops-prod'): MlopsPlatform {
  return new MlopsPlatform(scope, id, {
    name: 'acme-mlops',
    environment: 'prod',
    region: 'eu-west-1',
    tags: {
      owner: 'ml-platform@acme.example',
      'cost-center': 'cc-4711',
      'data-classification': 'confidential',
    },
    cluster: {
      adminRoleArns: ['arn:aws:iam::111122223333:role/acme-platform-admins'],
    },
    gpuPools: [{
      poolName: 'training',
      instanceTypes: ['g6.xlarge', 'g6.2xlarge', 'g5.xlarge', 'g5.2xlarge', 'g4dn.xlarge', 'g4dn.2xlarge'],
      maxSize: 8,
      fallbackMaxSize: 2,
    }],
    teams: [{ name: 'fraud', accessRoleArn: 'arn:aws:iam::111122223333:role/acme-team-fraud', quota: { gpus: 8 } }],
    trainingSchedules: [{
      name: 'fraud-nightly',
      team: 'fraud',
      pool: 'training',
      image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme/fraud-train:1.4.0',
      command: ['python', '-m', 'fraud.train'],
      gpus: 1,
      schedule: '0 2 * * *',
    }],
    ciCd: { repository: 'acme/ml-platform', stateBucketArn: 'arn:aws:s3:::acme-terraform-state' },
    data: {
      lake: { lakeFormationAdmins: ['arn:aws:iam::111122223333:role/acme-data-admins'] },
      streams: [{ name: 'clickstream', retentionHours: 168, partitionKeys: { event_type: '.event_type' } }],
      schemas: [{
        name: 'clickstream',
        dataFormat: 'AVRO',
        compatibility: 'BACKWARD',
        definition: {
          type: 'record', name: 'Click', namespace: 'com.acme.events',
          fields: [
            { name: 'user_id', type: 'string' },
            { name: 'event_type', type: 'string' },
            { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } },
          ],
        },
      }],
      batchSources: [{ name: 'crm', sourceUri: 's3://acme-crm-exports/daily/', schedule: 'cron(0 2 * * ? *)' }],
      rulesets: [{
        name: 'clickstream',
        zone: 'raw',
        table: 'clickstream',
        rules: ['RowCount > 0', 'IsComplete "user_id"', 'ColumnValues "event_type" in ["view", "click", "purchase"]'],
      }],
    },
  });
}
