// Asks @cloud-copilot/iam-simulate the questions of tests/it/access_simulator.rs, all in one
// process (one Node start for thousands of questions).
//
//   node simulate.mjs PREFIX QUESTIONS.json ANSWERS.json
//
// PREFIX is the folder npm installed the simulator into (`npm install --prefix PREFIX`).
// QUESTIONS.json: {"keyArn", "keyAccount", "context": {KEY: VALUE}, "policies": [KEY_POLICY],
// "questions": [{"policy": INDEX, "principal", "action", "identity"?: IAM_POLICY}]}.
// ANSWERS.json: {"version", "answers": [{"bare", "withIdentity"}]}, one per question, in order:
// the simulator's overall result (`Allowed`, `ExplicitlyDenied`, `ImplicitlyDenied`, or
// `error: …`) without an identity policy, and with one that allows the action on every
// resource. Asking both brackets whatever the principal's IAM policies could add. A question
// with an `identity` policy (the principal's only one) is answered once with it, as both.
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

const [prefix, questionsPath, answersPath] = process.argv.slice(2)
if (!prefix || !questionsPath || !answersPath) {
  console.error('usage: node simulate.mjs PREFIX QUESTIONS.json ANSWERS.json')
  process.exit(2)
}
const require = createRequire(join(prefix, 'package.json'))
const { runSimulation } = require('@cloud-copilot/iam-simulate')
// The package's `exports` do not include its package.json: read it from where npm put it.
const version = JSON.parse(
  readFileSync(join(prefix, 'node_modules/@cloud-copilot/iam-simulate/package.json'), 'utf8')
).version

const input = JSON.parse(readFileSync(questionsPath, 'utf8'))

async function simulate(question, identityPolicies) {
  const response = await runSimulation(
    {
      request: {
        principal: question.principal,
        action: question.action,
        resource: { resource: input.keyArn, accountId: input.keyAccount },
        contextVariables: input.context
      },
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: input.policies[question.policy]
    },
    {}
  )
  if (response.resultType === 'error') {
    return 'error: ' + JSON.stringify(response.errors)
  }
  return response.overallResult
}

const answers = []
for (const question of input.questions) {
  if (question.identity) {
    const only = await simulate(question, [{ name: 'Template', policy: question.identity }])
    answers.push({ bare: only, withIdentity: only })
    continue
  }
  const identity = {
    name: 'AllowTheAction',
    policy: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: question.action, Resource: '*' }]
    }
  }
  answers.push({
    bare: await simulate(question, []),
    withIdentity: await simulate(question, [identity])
  })
}
writeFileSync(answersPath, JSON.stringify({ version, answers }))
