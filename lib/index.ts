export { nodeMajorVersion } from './version.ts';
