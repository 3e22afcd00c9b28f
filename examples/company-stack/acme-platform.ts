import { Construct } from 'constructs';
import { EnvironmentName, MlopsPlatform, MlopsPlatformProps, zoneLocation } from '../../lib';
import { AcmeModelService, AcmeModelServiceProps } from './acme-model-service';

/** What an Acme platform is told: everything else is Acme's default. */
export interface AcmePlatformProps extends Partial<Omit<MlopsPlatformProps, 'environment'>> {
  readonly environment: EnvironmentName;
  /** The owning team's cost center (cc-1234). */
  readonly costCenter: string;
}

/**
 * Acme's platform: the library's MlopsPlatform with Acme's defaults (Frankfurt, the Acme state
 * bucket, two-year log retention, Acme's tags and admin role) and Acme model services.
 */
export class AcmePlatform extends MlopsPlatform {
  constructor(scope: Construct, id: string, props: AcmePlatformProps) {
    super(scope, id, {
      name: 'acme-ml',
      region: 'eu-central-1',
      backend: { bucket: `acme-terraform-state-${props.environment}`, region: 'eu-central-1', keyPrefix: 'acme-ml' },
      cluster: { adminRoleArns: ['arn:aws:iam::111122223333:role/acme-platform-admins'], privateEndpointSourceCidrs: ['10.0.0.0/18'] },
      // Acme's CI pushes the model images and mirrors (keyless, GitHub OIDC).
      ciCd: { repository: 'acme/ml-models' },
      ...props,
      profileOverrides: { logRetentionDays: 731, ...props.profileOverrides },
      tags: {
        owner: 'ml-platform@acme.example',
        'data-classification': 'confidential',
        team: 'ml-platform',
        model: 'shared',
        ...props.tags,
        'cost-center': props.costCenter,
      },
      serving: { ...props.serving },
    });
  }

  /** An Acme model service in the platform's serving namespace, reading `models/<name>/` of the curated zone. */
  public addModel(props: Omit<AcmeModelServiceProps, 'cluster' | 'namespace' | 'artifacts'>): AcmeModelService {
    return new AcmeModelService(this.platformStack, `acme_model_${props.name.replace(/-/g, '_')}`, {
      ...props,
      cluster: this.cluster,
      namespace: this.servingNamespace!.name,
      artifacts: zoneLocation(this.data.lake.zone('curated'), `models/${props.name}/`),
    });
  }
}
