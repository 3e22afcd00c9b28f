import { Construct } from 'constructs';
import { MlopsPlatform } from '../../lib';
import { Suppression } from '../../lib/governance/policy/rule';

/**
 * System-model findings on defects of issue 14 that are being fixed in parallel: each is accepted until
 * its fix lands, then removed (paths relative to the platform construct).
 */
function temporarySuppressions(id: string): Suppression[] {
  const at = (ruleId: string, item: string, why: string, paths: string[]) =>
    paths.map((p) => ({ ruleId, path: `${id}/${p}`, reason: `TEMPORARY (issue 14 ${item}): ${why}` }));
  const platform = `${id}-platform`;
  const manifests = `${id}-workloads/manifests`;
  return [
    ...at('MLOPS-EKS-004', 'item 1', 'pod identity associations carry the cluster name as a literal, so they do not wait for the cluster.',
      ['cluster/cluster_autoscaler', 'cluster/external_secrets', 'cluster/keda', 'cluster/load_balancer_controller', 'drift_fraud', 'experiment_tracking',
        'features/materialization', 'features/server', 'observability/kube_prometheus_stack', 'serving/batch_fraud_nightly_scores', 'serving/fraud',
        'serving/fraud_explainer', 'team_fraud'].map((p) => `${platform}/${p}/identity/association`)),
    ...at('MLOPS-EKS-005', 'item 2', 'helm releases and manifests are applied to a private-only API endpoint from an undeclared place.', [platform, `${id}-workloads`]),
    ...at('MLOPS-FLOW-001', 'item 6', 'serving reads models/<model>/ but nothing promotes approved packages there.',
      ['serving/fraud', 'serving/fraud_explainer', 'serving/batch_fraud_nightly_scores'].map((p) => `${platform}/${p}/identity/role`)),
    ...at('MLOPS-FLOW-002', 'item 6', 'the retraining pipeline writes models/fraud-retrain/, which nothing reads.', [`${platform}/team_fraud/identity/role`]),
    ...at('MLOPS-FLOW-001', 'item 7', 'nobody writes what the drift monitor reads (predictions, baseline, labels).', [`${platform}/drift_fraud/identity/role`]),
    ...at('MLOPS-FLOW-002', 'item 7', 'the nightly batch scores are written where nothing reads them.', [`${platform}/serving/batch_fraud_nightly_scores/identity/role`]),
    ...at('MLOPS-FLOW-001', 'Part B, no item yet', 'offline feature sources are written by jobs outside the platform; declare them as producers.', [`${platform}/features/materialization/identity/role`]),
    ...at('MLOPS-FLOW-002', 'Part B, no item yet', 'the clickstream delivery writes streams/clickstream/ (and its errors) that no platform construct reads.', [`${platform}/data/streams/clickstream_delivery_role`]),
    ...at('MLOPS-IAM-004', 'item 18', 'the CI deploy role may schedule deletion of every KMS key.', [`${platform}/ci/deploy_role`]),
    ...at('MLOPS-IMG-001', 'item 8', 'workloads pull acme/* images no platform repository holds, and external images by tag.',
      ['cronjob_fraud_drift-fraud', 'cronjob_fraud_fraud-nightly', 'cronjob_mlops-system_feature-store-materialize', 'cronjob_serving_fraud-nightly-scores',
        'deployment_mlops-system_feature-store-server', 'deployment_serving_fraud', 'deployment_serving_fraud-explainer', 'scaledjob_fraud_fraud-retrain'].map((p) => `${manifests}/${p}`)),
    ...at('MLOPS-K8S-008', 'item 10', 'the nightly batch job selects SPOT capacity without tolerating the GPU taint of the only spot pools.', [`${manifests}/cronjob_serving_fraud-nightly-scores`]),
    ...at('MLOPS-NET-002', 'item 11', 'the fraud namespace is admitted on ingress but its egress does not allow MLflow, the feature server or the models.',
      ['cronjob_fraud_drift-fraud', 'cronjob_fraud_fraud-nightly', 'scaledjob_fraud_fraud-retrain'].map((p) => `${manifests}/${p}`)),
    ...at('MLOPS-MON-001', 'item 12', 'kube-prometheus-stack keeps scheduler, controller-manager and etcd monitoring on EKS.', [`${platform}/observability/kube_prometheus_stack/release`]),
    ...at('MLOPS-COST-003', 'item 13', 'the team budget filters on team=fraud, a tag no resource carries.', [`${platform}/cost/team_budget_fraud`]),
  ];
}

/** The reference platform: what `cdktf synth` builds from this repository. */
export function createReferencePlatform(scope: Construct, id = 'mlops-prod'): MlopsPlatform {
  return new MlopsPlatform(scope, id, {
    name: 'acme-mlops',
    environment: 'prod',
    policy: { suppressions: temporarySuppressions(id) },
    region: 'eu-west-1',
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
    },
    gpuPools: [{
      poolName: 'training',
      instanceTypes: ['g6.xlarge', 'g6.2xlarge', 'g5.xlarge', 'g5.2xlarge', 'g4dn.xlarge', 'g4dn.2xlarge'],
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
      image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme/fraud-train:1.4.0',
      command: ['python', '-m', 'fraud.train'],
      gpus: 1,
      schedule: '0 2 * * *',
    }],
    serving: {
      models: [
        {
          name: 'fraud',
          modelVersion: '4',
          image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme/fraud:1.4.0',
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
          modelVersion: '2',
          image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme/fraud-explainer:0.9.1',
          gpu: { count: 1, pool: 'inference' },
          resources: { cpu: '4', memory: '16Gi' },
          clients: [{ namespace: 'fraud' }],
        },
      ],
      batchJobs: [{
        name: 'fraud-nightly-scores',
        model: 'fraud',
        image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme/fraud-batch:1.4.0',
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
      recent: { zone: 'raw', prefix: 'predictions/fraud/' },
      recentDays: 1,
      features: [
        { name: 'amount', type: 'numeric', psiThreshold: 0.2, ksThreshold: 0.1 },
        { name: 'merchant_category', type: 'categorical', psiThreshold: 0.2 },
        { name: 'account_age_days', type: 'numeric', psiThreshold: 0.25 },
      ],
      conceptDrift: {
        task: 'classification',
        predictions: { zone: 'raw', prefix: 'predictions/fraud/' },
        groundTruth: { zone: 'curated', prefix: 'labels/fraud/' },
        baseline: 0.94,
        maxDegradation: 0.03,
      },
    }],
    retrainingPipelines: [{
      name: 'fraud-retrain',
      team: 'fraud',
      pool: 'training',
      image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme/fraud-train:1.4.0',
      command: ['python', '-m', 'fraud.train'],
      gpus: 1,
      modelPackageGroupName: 'acme-mlops-prod-fraud',
      inferenceImage: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme/fraud:1.4.0',
      schedule: 'cron(0 3 ? * MON *)',
      driftMonitor: 'fraud',
    }],
    ciCd: { repository: 'acme/ml-platform', stateBucketArn: 'arn:aws:s3:::acme-terraform-state' },
    // MLflow from the platform's own ECR repository, built from images/mlflow (official image + PostgreSQL and S3 drivers).
    experimentTracking: { image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme-mlops-prod/platform/mlflow:2.22.0-1' },
    modelRegistry: { models: ['fraud'], approverPrincipalArns: ['arn:aws:iam::111122223333:role/acme-release-managers'] },
    containerRegistry: { models: ['fraud'], platformImages: ['mlflow', 'fraud-train'] },
    features: {
      server: { clients: [{ namespace: 'mlops-system' }, { namespace: 'fraud' }] },
      featureViews: [
        {
          name: 'customer_profile', version: 1, entities: [{ name: 'customer', key: 'customer_id' }],
          features: [{ name: 'tenure_months', type: 'int64' }, { name: 'plan', type: 'string' }],
          ttl: 86400, source: { timestampField: 'event_timestamp' }, owner: 'fraud-team@acme.example',
        },
        {
          name: 'customer_profile', version: 2, entities: [{ name: 'customer', key: 'customer_id' }],
          features: [{ name: 'tenure_months', type: 'int64' }, { name: 'plan', type: 'string' }, { name: 'lifetime_value', type: 'float64' }],
          ttl: 86400, source: { timestampField: 'event_timestamp', createdTimestampField: 'created_at' },
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
