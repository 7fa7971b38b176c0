/** CloudFormation resources by logical ID, as the stack's builders make them. */
export type Resources = Record<
  string,
  { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] }
>;
