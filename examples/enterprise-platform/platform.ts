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
