import { Construct } from 'constructs';
import { GPU_TAINT, NODE_LABELS, tolerationsFor } from './gpu';
import { HelmAddon, IAddonCluster } from './helm-addon';

/** Props of {@link NvidiaDevicePlugin}. */
export interface NvidiaDevicePluginProps {
  readonly cluster: IAddonCluster;
}

/**
 * The NVIDIA device plugin (official chart), which advertises `nvidia.com/gpu` on GPU nodes. Its
 * DaemonSet runs only on nodes labelled `mlops.cdktf.io/accelerator=nvidia` and tolerates the GPU taint;
 * the chart's own required node affinity is met by `nvidia.com/gpu.present=true`, which every
 * GpuNodePool sets. No AWS identity.
 */
export class NvidiaDevicePlugin extends HelmAddon {
  constructor(scope: Construct, id: string, props: NvidiaDevicePluginProps) {
    super(scope, id, { cluster: props.cluster, chart: 'nvidia-device-plugin', namespace: 'nvidia-device-plugin' });
  }

  protected values(): Record<string, unknown> {
    return {
      nodeSelector: { [NODE_LABELS.accelerator]: 'nvidia' },
      tolerations: tolerationsFor([GPU_TAINT]),
      priorityClassName: 'system-node-critical',
      gfd: { enabled: false },
    };
  }
}
