/** The running Node.js major version, parsed from process.versions. */
export function nodeMajorVersion(): number {
  return Number.parseInt(process.versions.node.split('.')[0] ?? '0', 10);
}
