// Validates Kubernetes objects against the upstream OpenAPI schemas shipped in kubernetes-models
// (core API) and its CRD packages. Reads a JSON array on stdin; prints a JSON array of
// { object, error } for every object that fails or has no known schema. Runs as its own process
// because the model packages are ES modules.
const CRD_PACKAGES = {
  'karpenter.sh': '@kubernetes-models/karpenter',
  'karpenter.k8s.aws': '@kubernetes-models/karpenter',
  'external-secrets.io': '@kubernetes-models/external-secrets',
  'generators.external-secrets.io': '@kubernetes-models/external-secrets',
  'keda.sh': '@kubernetes-models/keda',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
};
const ARGO_WORKFLOW_KINDS = new Set(['Workflow', 'CronWorkflow', 'WorkflowTemplate', 'ClusterWorkflowTemplate', 'WorkflowEventBinding']);

function modulePath(apiVersion, kind) {
  const slash = apiVersion.indexOf('/');
  if (slash < 0) return `kubernetes-models/${apiVersion}/${kind}`;
  const group = apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  if (group === 'argoproj.io') {
    const pkg = ARGO_WORKFLOW_KINDS.has(kind) ? '@kubernetes-models/argo-workflows' : '@kubernetes-models/argo-rollouts';
    return `${pkg}/${group}/${version}/${kind}`;
  }
  const pkg = CRD_PACKAGES[group] ?? 'kubernetes-models';
  return `${pkg}/${group}/${version}/${kind}`;
}

let input = '';
for await (const chunk of process.stdin) input += chunk;
const objects = JSON.parse(input);
const failures = [];
for (const obj of objects) {
  const id = `${obj.apiVersion}/${obj.kind} ${obj.metadata?.namespace ?? ''}/${obj.metadata?.name}`;
  let Model;
  try {
    Model = (await import(modulePath(obj.apiVersion, obj.kind)))[obj.kind];
  } catch (e) {
    failures.push({ object: id, error: `no upstream schema for ${obj.apiVersion} ${obj.kind}: ${e.message.split('\n')[0]}` });
    continue;
  }
  try {
    new Model(obj).validate();
  } catch (e) {
    failures.push({ object: id, error: e.message });
  }
}
process.stdout.write(JSON.stringify(failures));
