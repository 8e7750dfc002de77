/** Copyable examples for the API page; `base` is the app's origin, `key` a placeholder. */
export function apiExamples(base: string) {
  const api = `${base}/api/v1`;
  return [
    {
      id: "curl-delegate",
      title: "curl — delegate a task (unified format)",
      code: `curl ${api}/delegate \\
  -H "Authorization: Bearer $MC_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{
    "request_id": "my-123",
    "task": { "type": "code", "description": "Write a function that reverses a string in TypeScript", "priority": "normal" },
    "context": { "constraints": { "max_cost": 0.05 } },
    "preferences": { "model_preference": "auto", "explain_reasoning": true }
  }'`,
    },
    {
      id: "curl-chat",
      title: "curl — OpenAI-compatible chat completion",
      code: `curl ${api}/chat/completions \\
  -H "Authorization: Bearer $MC_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{"model": "auto", "messages": [{"role": "user", "content": "Summarise: the launch moved to May."}]}'`,
    },
    {
      id: "openai-js",
      title: "openai SDK (TypeScript / JavaScript)",
      code: `import OpenAI from "openai";

const client = new OpenAI({ baseURL: "${api}", apiKey: process.env.MC_API_KEY });

const stream = await client.chat.completions.create({
  model: "auto", // or a model from GET /api/v1/models
  messages: [{ role: "user", content: "Explain CRDTs in two sentences." }],
  stream: true,
});
for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta?.content ?? "");`,
    },
    {
      id: "openai-py",
      title: "openai SDK (Python)",
      code: `import os
from openai import OpenAI

client = OpenAI(base_url="${api}", api_key=os.environ["MC_API_KEY"])
r = client.chat.completions.create(model="auto", messages=[{"role": "user", "content": "Hello"}])
print(r.choices[0].message.content)`,
    },
    {
      id: "cli",
      title: "mc CLI (this package)",
      code: `export MC_API_URL=${base} MC_API_KEY=mc_…
npx mc delegate "Write a haiku about budgets"      # streams to the terminal
npx mc spend --days 7
npm run cli -- models`,
    },
  ];
}
