// Public API of the private test CA. signLeafUnchecked stays internal on purpose.
import "./reflect-polyfill.ts";
export { createCa, nameConstraintsExtension, TestCa, type CaCert, type CreateCaOptions, type Signer } from "./authority.ts";
export { certCommand, type CertCommandOptions } from "./cli.ts";
export { DOMAIN_RULE, isDnsName, validateDomain, wrongName } from "./domain.ts";
export { newKeysDir, writeLeafFiles, type LeafFiles } from "./files.ts";
export { KEY_TYPES, pooledKeyMaterial, type KeyMaterial, type KeyType } from "./keys.ts";
export { issueLeaf, type IssueOptions } from "./leaf.ts";
export { getProfile, isProfileName, PROFILE_NAMES, PROFILES, type EkuPurpose, type Profile } from "./profiles.ts";
