// node compile.js RLNMembershipMock.sol  → writes <Name>.abi.json and <Name>.bin next to the source
const fs = require('fs'), path = require('path'), solc = require('solc');
const file = process.argv[2];
const input = {
  language: 'Solidity',
  sources: { [path.basename(file)]: { content: fs.readFileSync(file, 'utf8') } },
  settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: 'paris',
              outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
for (const e of out.errors || []) { console.error(e.formattedMessage); if (e.severity === 'error') process.exit(1); }
for (const [, contracts] of Object.entries(out.contracts))
  for (const [name, c] of Object.entries(contracts)) {
    const dir = path.dirname(file);
    fs.writeFileSync(path.join(dir, name + '.abi.json'), JSON.stringify(c.abi, null, 1) + '\n');
    fs.writeFileSync(path.join(dir, name + '.bin'), c.evm.bytecode.object + '\n');
    console.log('wrote', name, 'solc', solc.version());
  }
