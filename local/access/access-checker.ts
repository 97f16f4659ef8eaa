import {
  type AuthorizationRequest,
  denialMessage,
  evaluate,
  type NamedPolicy,
  type RequiredAuthorization,
} from '../iam';

/**
 * The local policy decision point: every authorization a call needs, checked against the
 * caller's identity policies and the resource's own policy (a KMS key policy must allow; a
 * bucket policy may allow or deny), as AWS decides. It keeps the denials (logged, counted, shown
 * in the console), and in 'soft' mode lets denied calls through after logging them.
 */

/** Who calls: a function's role session, or a local API principal. */
export interface AccessPrincipal {
  /** Short name for logs and the console, e.g. the function's service name. */
  readonly name: string;
  /** e.g. `arn:aws:sts::000000000000:assumed-role/<role>/<function>` */
  readonly principalArn: string;
  readonly policies: readonly NamedPolicy[];
}

/** A resource's own policy and whether it must allow (KMS) or may (S3). */
export interface ResourcePolicy {
  readonly policy: NamedPolicy;
  readonly mustAllow: boolean;
}

export type AccessMode = 'enforce' | 'soft';

export interface AccessDenial {
  readonly at: string;
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly message: string;
  /** Whether the call went through all the same ('soft' mode). */
  readonly letThrough: boolean;
}

export type AccessDecision = { readonly allowed: true } | { readonly allowed: false; readonly denial: AccessDenial };

export interface AccessCheckerOptions {
  /** @default 'enforce' */
  readonly mode?: AccessMode;
  /** The resource policy of an ARN (a key, a bucket or an object in it), if the template has one. */
  readonly resourcePolicyOf?: (resourceArn: string) => ResourcePolicy | undefined;
  /** @default console.warn */
  readonly log?: (line: string) => void;
  /** Denials kept for the console. @default 100 */
  readonly keep?: number;
}

export class AccessChecker {
  public readonly mode: AccessMode;
  private readonly recentDenials: AccessDenial[] = [];
  private denialCount = 0;

  public constructor(private readonly options: AccessCheckerOptions = {}) {
    this.mode = options.mode ?? 'enforce';
  }

  /** The first authorization `principal` lacks, or allowed. In 'soft' mode a denial is recorded, then allowed. */
  public check(principal: AccessPrincipal, authorizations: readonly RequiredAuthorization[]): AccessDecision {
    for (const authorization of authorizations) {
      const request: AuthorizationRequest = { principalArn: principal.principalArn, ...authorization };
      const resourcePolicy = this.options.resourcePolicyOf?.(authorization.resource);
      const decision = evaluate(request, {
        identity: principal.policies,
        resource: resourcePolicy?.policy,
        resourcePolicyRequired: resourcePolicy?.mustAllow,
      });
      if (decision.effect === 'ALLOW') continue;
      const denial: AccessDenial = {
        at: new Date().toISOString(),
        principal: principal.name,
        action: authorization.action,
        resource: authorization.resource,
        message: denialMessage(request, decision),
        letThrough: this.mode === 'soft',
      };
      this.record(denial);
      if (this.mode === 'enforce') return { allowed: false, denial };
    }
    return { allowed: true };
  }

  /** Denials so far (also those let through in 'soft' mode). */
  public get count(): number {
    return this.denialCount;
  }

  /** The latest denials, newest last. */
  public get recent(): readonly AccessDenial[] {
    return this.recentDenials;
  }

  private record(denial: AccessDenial): void {
    this.denialCount += 1;
    this.recentDenials.push(denial);
    if (this.recentDenials.length > (this.options.keep ?? 100)) this.recentDenials.shift();
    const log = this.options.log ?? ((line: string) => console.warn(line));
    log(`[iam] ${denial.letThrough ? 'would deny (soft)' : 'denied'} ${denial.principal}: ${denial.message}`);
  }
}
