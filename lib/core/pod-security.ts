/**
 * The Kubernetes Pod Security Standard "restricted" profile, as the library applies it to every
 * workload it creates. Constructs call these through protected methods that subclasses may override.
 */

/** Namespace labels that make the API server enforce, audit and warn on the restricted standard. */
export function restrictedNamespaceLabels(version = 'latest'): Record<string, string> {
  return {
    'pod-security.kubernetes.io/enforce': 'restricted',
    'pod-security.kubernetes.io/enforce-version': version,
    'pod-security.kubernetes.io/audit': 'restricted',
    'pod-security.kubernetes.io/warn': 'restricted',
  };
}

/** Pod-level security context of the restricted standard. */
export function restrictedPodSecurityContext(uid = 65532): Record<string, unknown> {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level security context of the restricted standard, with a read-only root filesystem. */
export function restrictedContainerSecurityContext(uid = 65532): Record<string, unknown> {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
