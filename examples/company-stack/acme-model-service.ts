import { Construct } from 'constructs';
import {
  ContainerImage, k8s, invalid, ModelService, ModelServiceProps, ModelWorkload, ServiceWorkload, ServiceWorkloadProps, resolveImage,
  restrictedContainerSecurityContext,
} from '../../lib';

/** Acme's ceilings for one model pod (the platform's defaults are looser). */
export const ACME_LIMITS = { cpuMillis: 4000, memoryMiB: 8192 };

/**
 * The telemetry sidecar every Acme model runs: an OpenTelemetry collector, pinned. It runs from the
 * platform registry's `platform/aws-otel-collector` mirror when the registry has one.
 */
export const ACME_OTEL_IMAGE = 'public.ecr.aws/aws-observability/aws-otel-collector:v0.43.1';

/** Props of {@link AcmeModelService}: Acme requires an owning team and a cost center on every model. */
export interface AcmeModelServiceProps extends ModelServiceProps {
  /** Owning team (label `acme.example/team`). */
  readonly team: string;
  /** Cost center (label `acme.example/cost-center`). */
  readonly costCenter: string;
}

/**
 * Acme's model service: the library's ModelService with Acme's mandatory labels, an OpenTelemetry
 * sidecar, and stricter resource ceilings. It changes defaults only through the extension points
 * (`createWorkload`, `podLabels`, `sidecars`), never by copying the construct.
 */
export class AcmeModelService extends ModelService {
  constructor(scope: Construct, id: string, props: AcmeModelServiceProps) {
    if (!/^[a-z][a-z0-9-]{1,30}$/.test(props.team)) invalid(`${scope.node.path}/${id}`, `team "${props.team}" is not an Acme team id.`, 'use the team id from the Acme directory, e.g. "fraud".');
    if (!/^cc-\d{4}$/.test(props.costCenter)) invalid(`${scope.node.path}/${id}`, `costCenter "${props.costCenter}" is not an Acme cost center.`, 'use the form cc-1234.');
    const r = props.resources ?? { cpu: '500m', memory: '1Gi' };
    const cpu = millis(r.cpuLimit ?? r.cpu);
    const mem = mebibytes(r.memoryLimit ?? r.memory);
    if (!props.gpu && (cpu > ACME_LIMITS.cpuMillis || mem > ACME_LIMITS.memoryMiB)) {
      invalid(`${scope.node.path}/${id}`, `model "${props.name}" asks for ${cpu}m CPU and ${mem}Mi memory; Acme allows at most ${ACME_LIMITS.cpuMillis}m and ${ACME_LIMITS.memoryMiB}Mi per CPU model pod.`,
        'lower resources, or ask the platform team for a GPU pool.');
    }
    super(scope, id, props);
  }

  protected createWorkload(props: ServiceWorkloadProps & { modelProps: ModelServiceProps }): ServiceWorkload {
    const acme = props.modelProps as AcmeModelServiceProps;
    return new AcmeModelWorkload(this, 'workload', {
      ...props,
      labels: { ...props.labels, 'acme.example/team': acme.team, 'acme.example/cost-center': acme.costCenter },
    });
  }
}

/** The workload of an Acme model: mandatory labels on the pods and the telemetry sidecar. */
export class AcmeModelWorkload extends ModelWorkload {
  protected podLabels(): Record<string, string> {
    return { ...super.podLabels(), 'acme.example/telemetry': 'otel' };
  }

  protected sidecars(): k8s.Container[] {
    const q = (v: string) => k8s.Quantity.fromString(v);
    return [{
      name: 'otel-collector',
      image: resolveImage(this, 'sidecar image', ContainerImage.libraryDefault(ACME_OTEL_IMAGE)).ref,
      args: ['--config=/etc/otel/config.yaml'],
      securityContext: restrictedContainerSecurityContext() as k8s.SecurityContext,
      resources: { requests: { cpu: q('100m'), memory: q('128Mi') }, limits: { cpu: q('200m'), memory: q('256Mi') } },
      ports: [{ name: 'otlp-grpc', containerPort: 4317, protocol: 'TCP' }],
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    }];
  }
}

function millis(cpu: string): number {
  return cpu.endsWith('m') ? Number(cpu.slice(0, -1)) : Number(cpu) * 1000;
}

function mebibytes(mem: string): number {
  const m = /^(\d+(?:\.\d+)?)(Mi|Gi|M|G)?$/.exec(mem);
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === 'Gi' || m[2] === 'G' ? n * 1024 : n;
}
