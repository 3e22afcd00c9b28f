import { Construct } from 'constructs';
import { MlopsPlatform, MlopsPlatformProps } from '../../lib';

/** The reference platform: what `cdktf synth` builds from this repository (`edit` lets tests vary its props). */
export function createReferencePlatform(scope: Construct, id = 'mlops-prod', edit: (props: MlopsPlatformProps) => MlopsPlatformProps = (p) => p): MlopsPlatform {
  return new MlopsPlatform(scope, id, edit({
    name: 'acme-mlops',
    environment: 'prod',
    region: 'eu-west-1',
    // Remote state, which the CI roles of ciCd read (diff) and write (deploy).
    backend: { bucket: 'acme-terraform-state', region: 'eu-west-1' },
    tags: {
      owner: 'ml-platform@acme.example',
      'cost-center': 'cc-4711',
      'data-classification': 'confidential',
      team: 'ml-platform',
      model: 'shared',
    },
    alerts: { emails: ['ml-platform-oncall@acme.example'] },
    cost: { monthlyBudgetUsd: 60000, teamBudgetsUsd: { fraud: 15000 } },
    cluster: {
      adminRoleArns: ['arn:aws:iam::111122223333:role/acme-platform-admins'],
      // The CI runners that apply the add-ons and workloads stacks run in the first private subnet.
      privateEndpointSourceCidrs: ['10.0.0.0/18'],
    },
    gpuPools: [{
      poolName: 'training',
      // No xlarge: the training jobs request 4 CPU / 16Gi, more than an xlarge has free (about 3 CPU / 12.5Gi).
      instanceTypes: ['g6.2xlarge', 'g5.2xlarge', 'g4dn.2xlarge'],
      maxSize: 8,
      fallbackMaxSize: 2,
    }, {
      poolName: 'inference',
      instanceTypes: ['g6.xlarge', 'g5.xlarge', 'g4dn.xlarge', 'g6.2xlarge'],
      maxSize: 4,
      fallbackMaxSize: 2,
    }],
    teams: [{ name: 'fraud', accessRoleArn: 'arn:aws:iam::111122223333:role/acme-team-fraud', quota: { gpus: 8 } }],
    trainingSchedules: [{
      name: 'fraud-nightly',
      team: 'fraud',
      pool: 'training',
      image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme-mlops-prod/models/fraud-train:1.4.0',
      command: ['python', '-m', 'fraud.train'],
      gpus: 1,
      schedule: '0 2 * * *',
    }],
    serving: {
      models: [
        {
          name: 'fraud',
          modelVersion: '4',
          image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme-mlops-prod/models/fraud:1.4.0',
          features: [{ name: 'customer_profile', version: 2 }],
          autoscaling: { maxReplicas: 12, targetRequestsPerSecond: 40 },
          clients: [{ namespace: 'fraud' }],
          ingress: {
            certificateArn: 'arn:aws:acm:eu-west-1:111122223333:certificate/0f5a2c1e-1111-2222-3333-444455556666',
            host: 'fraud.ml.acme.example',
            albSourceCidrs: ['10.0.0.0/16'],
            auth: {
              type: 'oidc',
              issuer: 'https://login.acme.example',
              authorizationEndpoint: 'https://login.acme.example/authorize',
              tokenEndpoint: 'https://login.acme.example/token',
              userInfoEndpoint: 'https://login.acme.example/userinfo',
              secretName: 'fraud-oidc',
            },
          },
          release: { strategy: 'canary', canaryWeights: [10, 25, 50], prometheusAddress: 'http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090', maxP95LatencyMs: 200 },
        },
        {
          name: 'fraud-explainer',
          // No retraining pipeline promotes the explainer: the fraud team's release job uploads it.
          artifactsProducedBy: 'the explainer release job of the fraud team',
          modelVersion: '2',
          image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme-mlops-prod/models/fraud-explainer:0.9.1',
          gpu: { count: 1, pool: 'inference' },
          // Fits every instance type of pool inference (an xlarge has about 3 CPU / 12.5Gi free for pods).
          resources: { cpu: '3', memory: '12Gi' },
          clients: [{ namespace: 'fraud' }],
        },
      ],
      batchJobs: [{
        name: 'fraud-nightly-scores',
        model: 'fraud',
        image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme-mlops-prod/models/fraud-batch:1.4.0',
        schedule: '30 3 * * *',
        features: [{ name: 'customer_profile', version: 2 }],
      }],
    },
    observability: {
      models: {
        fraud: {
          latencyP95Seconds: 0.2,
          latencyP99Seconds: 0.5,
          errorRate: 0.005,
          kpis: [{ title: 'Fraud caught (EUR)', namespace: 'Acme/Fraud', metric: 'PreventedLossEur', stat: 'Sum' }],
        },
      },
    },
    driftMonitors: [{
      model: 'fraud',
      namespace: 'fraud',
      baseline: { zone: 'features', prefix: 'fraud/baseline/' },
      recentDays: 1,
      features: [
        { name: 'amount', type: 'numeric', psiThreshold: 0.2, ksThreshold: 0.1 },
        { name: 'merchant_category', type: 'categorical', psiThreshold: 0.2 },
        { name: 'account_age_days', type: 'numeric', psiThreshold: 0.25 },
      ],
      conceptDrift: {
        task: 'classification',
        groundTruth: { zone: 'curated', prefix: 'labels/fraud/', producedBy: 'the chargeback export of the payments team' },
        baseline: 0.94,
        maxDegradation: 0.03,
      },
    }],
    retrainingPipelines: [{
      name: 'fraud-retrain',
      team: 'fraud',
      pool: 'training',
      image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme-mlops-prod/models/fraud-train:1.4.0',
      command: ['python', '-m', 'fraud.train'],
      gpus: 1,
      servedModel: 'fraud',
      inferenceImage: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme-mlops-prod/models/fraud:1.4.0',
      schedule: 'cron(0 3 ? * MON *)',
      driftMonitor: 'fraud',
    }],
    ciCd: { repository: 'acme/ml-platform' },
    // MLflow from the platform's own ECR repository, built from images/mlflow (official image + PostgreSQL and S3 drivers, RDS CA bundle, IAM auth hook).
    experimentTracking: { image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme-mlops-prod/platform/mlflow:2.22.0-2' },
    modelRegistry: { models: ['fraud'], approverPrincipalArns: ['arn:aws:iam::111122223333:role/acme-release-managers'] },
    // Every image the platform runs comes from these repositories (CI pushes, nodes pull): the models'
    // images, and mirrors of the library's default images (Feast feature server, AWS CLI, Node.js).
    containerRegistry: {
      accountId: '111122223333',
      models: ['fraud', 'fraud-explainer', 'fraud-train', 'fraud-batch'],
      platformImages: ['mlflow', 'feature-server', 'aws-cli', 'node'],
    },
    features: {
      server: { clients: [{ namespace: 'mlops-system' }, { namespace: 'fraud' }] },
      featureViews: [
        {
          name: 'customer_profile', version: 1, entities: [{ name: 'customer', key: 'customer_id' }],
          features: [{ name: 'tenure_months', type: 'int64' }, { name: 'plan', type: 'string' }],
          ttl: 86400, source: { timestampField: 'event_timestamp', producedBy: 'the customer profile pipeline of the data team' }, owner: 'fraud-team@acme.example',
        },
        {
          name: 'customer_profile', version: 2, entities: [{ name: 'customer', key: 'customer_id' }],
          features: [{ name: 'tenure_months', type: 'int64' }, { name: 'plan', type: 'string' }, { name: 'lifetime_value', type: 'float64' }],
          ttl: 86400, source: { timestampField: 'event_timestamp', createdTimestampField: 'created_at', producedBy: 'the customer profile pipeline of the data team' },
          owner: 'fraud-team@acme.example', dataClassification: 'restricted',
        },
        {
          name: 'clickstream_activity', version: 1, entities: [{ name: 'customer', key: 'customer_id' }],
          features: [{ name: 'clicks_1h', type: 'int64' }, { name: 'purchases_24h', type: 'int64' }],
          ttl: 3600, source: { timestampField: 'event_timestamp', producedBy: 'clickstream aggregation job' },
          owner: 'growth-team@acme.example',
        },
      ],
    },
    data: {
      lake: { accountSettings: { manageLakeFormation: true, lakeFormationAdmins: ['arn:aws:iam::111122223333:role/acme-data-admins'], manageCatalogEncryption: true } },
      streams: [{ name: 'clickstream', retentionHours: 168, partitionKeys: { event_type: '.event_type' }, consumedBy: 'clickstream aggregation job' }],
      schemas: [{
        name: 'clickstream',
        // JSON Schema: Firehose reads the event_type partition key from each record with JQ (JSON only).
        dataFormat: 'JSON',
        compatibility: 'BACKWARD',
        definition: {
          $schema: 'http://json-schema.org/draft-07/schema#', title: 'Click', type: 'object',
          properties: {
            user_id: { type: 'string' },
            event_type: { type: 'string' },
            ts: { type: 'integer', description: 'event time, epoch milliseconds' },
          },
          required: ['user_id', 'event_type', 'ts'],
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
  }));
}
