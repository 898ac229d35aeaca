import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { repositoryRoot } from './prometheus-tools.js';

/** One Kubernetes object of a manifest file (a file may hold several, separated by ---). */
export interface Manifest {
  readonly file: string;
  readonly index: number;
  readonly object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [field: string]: unknown };
}

export const describeManifest = (manifest: Manifest): string => `${manifest.file}#${manifest.index} (${manifest.object.kind} ${manifest.object.metadata?.name})`;

/** The kinds Weir's manifests use, each with its kubernetes-models class (schema validation). */
const models: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
};

export async function loadManifests(dir: string, skip: readonly string[]): Promise<Manifest[]> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.yaml') && !skip.includes(name)).sort();
  const manifests: Manifest[] = [];
  for (const file of files) {
    const documents = parseAllDocuments(await readFile(join(dir, file), 'utf8'));
    documents.forEach((document, index) => {
      if (document.errors.length > 0) throw new Error(`${file}#${index}: ${document.errors[0]?.message}`);
      manifests.push({ file, index, object: document.toJS() as Manifest['object'] });
    });
  }
  return manifests;
}

/** Checks the object against the Kubernetes OpenAPI schema of its kind; throws what is wrong. */
export function validateSchema(manifest: Manifest): void {
  const Model = models[`${manifest.object.apiVersion}/${manifest.object.kind}`];
  if (Model === undefined) throw new Error(`${describeManifest(manifest)}: no model for ${manifest.object.apiVersion} ${manifest.object.kind}`);
  new Model(manifest.object as never).validate();
}

/**
 * Fields the Kubernetes API does not know. The OpenAPI schemas allow additional properties (the API server
 * drops unknown fields, or refuses them in strict mode), so a misspelt `livenesProbe` passes validate();
 * TypeScript's excess-property check of each object against the kubernetes-models interface finds it.
 */
export function unknownFields(manifests: readonly Manifest[]): string[] {
  const fileName = join(repositoryRoot, 'deploy', 'k8s', '__manifests__.ts');
  const lines = manifests.map((manifest, index) => {
    const type = `I${manifest.object.kind}`;
    return `import type { ${type} as T${index} } from 'kubernetes-models/${manifest.object.apiVersion}/${manifest.object.kind}';\nexport const m${index}: T${index} = ${JSON.stringify(manifest.object)};`;
  });
  const source = lines.join('\n');
  const options: ts.CompilerOptions = { strict: true, noEmit: true, skipLibCheck: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, types: [] };
  const host = ts.createCompilerHost(options);
  const readDefault = host.readFile.bind(host);
  const getDefault = host.getSourceFile.bind(host);
  host.readFile = (name) => (name === fileName ? source : readDefault(name));
  host.fileExists = ((exists) => (name: string) => name === fileName || exists(name))(host.fileExists.bind(host));
  host.getSourceFile = (name, version, onError, create) => (name === fileName ? ts.createSourceFile(name, source, version) : getDefault(name, version, onError, create));
  const program = ts.createProgram([fileName], options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const line = diagnostic.file === undefined || diagnostic.start === undefined ? 0 : diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line;
    const manifest = manifests[Math.floor(line / 2)];
    return `${manifest === undefined ? '?' : describeManifest(manifest)}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`;
  });
}
