// STUB (replaced by helper's module at merge)
export interface ConditionContext { variables: Readonly<Record<string, string>>; tasks: Readonly<Record<string, { status: string; outputs: Readonly<Record<string, string>> }>>; }
export interface CompiledCondition { readonly expression: string; readonly taskRefs: readonly string[]; evaluate(context: ConditionContext): boolean; }
export class ConditionError extends Error { readonly kind: 'syntax' | 'evaluation' | 'reference' = 'syntax'; }
export function compileCondition(expression: string): CompiledCondition { return { expression, taskRefs: [], evaluate: () => true }; }
