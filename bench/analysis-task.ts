/** The analyser benchmarks' task: a 2,000-character bug report with code, as a user would send it. */
const paragraph =
  "Our checkout service started failing after the last deploy: customers see a 500 error and the logs show " +
  "a TypeError in the discount module when the cart holds more than 20 items. Please analyse the stack trace " +
  "below, explain the root cause, and propose a fix with unit tests. Keep the change small because we ship today.\n" +
  "```ts\nfunction applyDiscount(cart: Cart) {\n  return cart.items.reduce((sum, i) => sum + i.price * (1 - i.discount!.rate), 0);\n}\n```\n";

export function benchTask(chars = 2000): string {
  let task = "";
  while (task.length < chars) task += paragraph;
  return task.slice(0, chars);
}
