import { Construct } from 'constructs';
import * as k8s from '../core/k8s';
import { invalid, show } from '../core/errors';
import { checkName } from '../core/naming';
import { parseCidr } from '../core/cidr';
import { WorkloadsStack } from '../core/workloads-stack';
import { checkArn } from '../core/validators';

/** The TLS policy of every HTTPS listener: TLS 1.3 and 1.2 only. */
export const ALB_SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

/** OIDC authentication on the ALB; the client secret comes from a Kubernetes Secret (keys `clientID` and `clientSecret`). */
export interface OidcAuth {
  readonly type: 'oidc';
  readonly issuer: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly userInfoEndpoint: string;
  /** Name of the Secret (same namespace, e.g. an ExternalSecret's target) holding `clientID` and `clientSecret`. */
  readonly secretName: string;
  /** @default "openid" */
  readonly scope?: string;
}

/** Amazon Cognito authentication on the ALB (the ALB reads the client secret from Cognito itself). */
export interface CognitoAuth {
  readonly type: 'cognito';
  readonly userPoolArn: string;
  readonly userPoolClientId: string;
  readonly userPoolDomain: string;
  /** @default "openid" */
  readonly scope?: string;
}

/** Props of {@link ModelIngress}. */
export interface ModelIngressProps {
  /** ACM certificate ARN of the HTTPS listener. */
  readonly certificateArn: string;
  /** Host name routed to the model, e.g. `churn.ml.acme.example`. */
  readonly host: string;
  /** Who may call: OIDC or Cognito on the ALB. Required: an ingress without authentication is refused. */
  readonly auth: OidcAuth | CognitoAuth;
  /**
   * Source CIDRs of the ALB's traffic to the pods (target-type ip): the VPC CIDR, or the ALB subnets.
   * Admitted by an extra NetworkPolicy on the service port only.
   */
  readonly albSourceCidrs: string[];
  /**
   * Internet-facing ALB. Opting in shows up in the object's annotations and the review.
   * @default false (scheme internal)
   */
  readonly internetFacing?: boolean;
  /** WAFv2 web ACL ARN to associate. @default none */
  readonly wafAclArn?: string;
  /** What an unauthenticated request gets: `deny` (401, for API clients) or `authenticate` (browser login). @default "deny" */
  readonly onUnauthenticated?: 'deny' | 'authenticate' | 'allow';
  /** ALB group to share one load balancer among models. @default none: one ALB per model */
  readonly groupName?: string;
}

/**
 * An ALB Ingress (AWS Load Balancer Controller) for one model Service: HTTPS only with an ACM
 * certificate and the TLS 1.3/1.2 policy, HTTP redirected, authentication on the ALB (OIDC with the
 * client secret from a Secret reference, or Cognito), optional WAF, internal by default, and a
 * NetworkPolicy admitting the ALB's source CIDRs on the service port.
 */
export class ModelIngress extends Construct {
  public readonly ingress: k8s.KubeIngress;
  public readonly albPolicy: k8s.KubeNetworkPolicy;

  constructor(scope: Construct, id: string, props: ModelIngressProps & {
    workloads: WorkloadsStack; namespace: string; serviceName: string; port: number; podSelector: Record<string, string>; healthPath: string; labels: Record<string, string>;
  }) {
    super(scope, id);
    checkArn(this, 'certificateArn', props.certificateArn, 'acm-certificate');
    if (!/^(?=.{1,253}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$/.test(props.host)) {
      invalid(this, `host ${show(props.host)} is not a DNS name.`, 'use a lower-case name such as "churn.ml.acme.example".');
    }
    if (props.albSourceCidrs.length === 0) {
      invalid(this, 'albSourceCidrs is empty, so the ALB could not reach the pods.', 'pass the VPC CIDR (network.vpcCidr) or the ALB subnets\' CIDRs.');
    }
    for (const c of props.albSourceCidrs) {
      if (!parseCidr(c)) invalid(this, `albSourceCidrs entry ${show(c)} is not a valid IPv4 CIDR block.`, 'use a block such as "10.0.0.0/16".');
      if (c.endsWith('/0')) invalid(this, `albSourceCidrs entry ${show(c)} admits every address.`, 'admit only the VPC CIDR or the ALB subnets.');
    }
    if (props.groupName !== undefined) checkName(this, 'k8s-name', props.groupName);
    checkName(this, 'k8s-name', `${props.serviceName}-alb`);
    const a = props.auth;
    const annotations: Record<string, string> = {
      'alb.ingress.kubernetes.io/scheme': props.internetFacing ? 'internet-facing' : 'internal',
      'alb.ingress.kubernetes.io/target-type': 'ip',
      'alb.ingress.kubernetes.io/listen-ports': JSON.stringify([{ HTTP: 80 }, { HTTPS: 443 }]),
      'alb.ingress.kubernetes.io/ssl-redirect': '443',
      'alb.ingress.kubernetes.io/certificate-arn': props.certificateArn,
      'alb.ingress.kubernetes.io/ssl-policy': ALB_SSL_POLICY,
      'alb.ingress.kubernetes.io/backend-protocol': 'HTTP',
      'alb.ingress.kubernetes.io/healthcheck-path': props.healthPath,
      'alb.ingress.kubernetes.io/load-balancer-attributes': 'routing.http.drop_invalid_header_fields.enabled=true',
      'alb.ingress.kubernetes.io/auth-on-unauthenticated-request': props.onUnauthenticated ?? 'deny',
      'alb.ingress.kubernetes.io/auth-scope': a.scope ?? 'openid',
    };
    if (a.type === 'oidc') {
      checkName(this, 'k8s-name', a.secretName);
      for (const [k, v] of Object.entries({ issuer: a.issuer, authorizationEndpoint: a.authorizationEndpoint, tokenEndpoint: a.tokenEndpoint, userInfoEndpoint: a.userInfoEndpoint })) {
        if (!/^https:\/\/[^\s]+$/.test(v)) invalid(this, `auth.${k} ${show(v)} is not an https URL.`, 'use the identity provider\'s https endpoint.');
      }
      annotations['alb.ingress.kubernetes.io/auth-type'] = 'oidc';
      annotations['alb.ingress.kubernetes.io/auth-idp-oidc'] = JSON.stringify({
        issuer: a.issuer, authorizationEndpoint: a.authorizationEndpoint, tokenEndpoint: a.tokenEndpoint, userInfoEndpoint: a.userInfoEndpoint, secretName: a.secretName,
      });
    } else {
      annotations['alb.ingress.kubernetes.io/auth-type'] = 'cognito';
      annotations['alb.ingress.kubernetes.io/auth-idp-cognito'] = JSON.stringify({ userPoolARN: a.userPoolArn, userPoolClientID: a.userPoolClientId, userPoolDomain: a.userPoolDomain });
    }
    if (props.wafAclArn) annotations['alb.ingress.kubernetes.io/wafv2-acl-arn'] = props.wafAclArn;
    if (props.groupName) annotations['alb.ingress.kubernetes.io/group.name'] = props.groupName;

    const s = props.workloads.scopeFor(this);
    this.ingress = new k8s.KubeIngress(s, 'ingress', {
      metadata: { name: props.serviceName, namespace: props.namespace, labels: props.labels, annotations },
      spec: {
        ingressClassName: 'alb',
        tls: [{ hosts: [props.host] }],
        rules: [{
          host: props.host,
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: props.serviceName, port: { number: props.port } } } }] },
        }],
      },
    });
    this.albPolicy = new k8s.KubeNetworkPolicy(s, 'alb-policy', {
      metadata: { name: `${props.serviceName}-alb`, namespace: props.namespace, labels: props.labels },
      spec: {
        podSelector: { matchLabels: props.podSelector },
        policyTypes: ['Ingress'],
        ingress: [{ from: props.albSourceCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(props.port) }] }],
      },
    });
  }
}
