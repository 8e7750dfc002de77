import { expect, test, type Locator, type Page } from "@playwright/test";
import { saveForm, stateFile } from "./helpers";

test.describe("providers and models admin", () => {
  test.use({ storageState: stateFile("admin") });

  test("an admin tests a provider connection and replaces its key without ever seeing it", async ({ page }) => {
    await page.goto("/t/demo/admin/providers");
    const card = page.getByTestId("provider-OpenAI");
    await card.getByRole("button", { name: "Test connection" }).click();
    await expect(card.getByTestId("connection-result")).toContainText(/Connected in \d+ ms/);
    await expect(page.locator("body")).not.toContainText("mock-fleet-key");
    await card.getByLabel("API key").fill("sk-new-secret-9876");
    await card.getByRole("button", { name: "Save" }).click();
    await expect(card.getByText("Saved.")).toBeVisible();
    await page.reload();
    await expect(page.getByTestId("provider-OpenAI")).toContainText("ends in …9876");
    await expect(page.locator("body")).not.toContainText("sk-new-secret");
  });

  test("an Ollama provider added at Ollama's usual address gets /v1, connects, and the form empties", async ({ page }) => {
    const fleet = `http://127.0.0.1:${Number(process.env.E2E_FLEET_PORT ?? 4210)}`;
    const name = `Lab Ollama ${Date.now()}`;
    await page.goto("/t/demo/admin/providers");
    const form = page.getByTestId("add-provider");
    await form.getByLabel("Kind").selectOption("ollama");
    await form.getByLabel("Name").fill(name);
    await form.getByLabel("Base URL").fill(fleet);
    await form.getByRole("button", { name: "Add provider" }).click();
    await expect(form.getByRole("status")).toContainText(`Added “${name}” at ${fleet}/v1.`);
    await expect(form.getByLabel("Name")).toHaveValue("");
    const card = page.getByTestId(`provider-${name}`);
    await expect(card.getByLabel("Base URL")).toHaveValue(`${fleet}/v1`);
    await card.getByRole("button", { name: "Test connection" }).click();
    await expect(card.getByTestId("connection-result")).toContainText(/Connected in \d+ ms/);

    await form.getByLabel("Kind").selectOption("ollama");
    await form.getByLabel("Name").fill(name.toUpperCase());
    await form.getByLabel("Base URL").fill(fleet);
    await form.getByRole("button", { name: "Add provider" }).click();
    await expect(form.getByText(`Choose another name: "${name}" exists, and names may not differ only in case.`)).toBeVisible();
  });

  test("an admin renames a provider: the new name shows on its card, on the Models page and in Admin → Models; a name taken in another case is refused", async ({ page }) => {
    const name = `xAI Grok ${Date.now().toString(36)}`;
    await page.goto("/t/demo/admin/providers");
    const card = page.getByTestId("provider-xAI");
    await card.getByLabel("Name").fill("openai");
    await card.getByRole("button", { name: "Save" }).click();
    await expect(card.getByText('Choose another name: "OpenAI" exists, and names may not differ only in case.')).toBeVisible();
    await card.getByLabel("Name").fill(name);
    await card.getByRole("button", { name: "Save" }).click();
    const renamed = page.getByTestId(`provider-${name}`);
    await expect(renamed.getByText("Saved.")).toBeVisible();
    await expect(renamed.getByLabel("Name")).toHaveValue(name);
    await expect(page.getByTestId("provider-xAI")).toHaveCount(0);

    await page.goto("/t/demo/models");
    await expect(page.getByTestId("caps-grok-3")).toContainText(name);
    await page.goto("/t/demo/admin/models");
    await expect(page.getByTestId("model-grok-3")).toContainText(name);
    await expect(page.getByRole("option", { name, exact: true })).toHaveCount(1);
  });

  test("an admin changes a price, and a bad price is explained", async ({ page }) => {
    await page.goto("/t/demo/admin/models");
    const form = page.getByTestId("model-gpt-4o-mini");
    await form.getByLabel("Output $/M").fill("-1");
    await form.getByRole("button", { name: "Save" }).click();
    await expect(form.getByText("Prices cannot be negative.", { exact: true })).toBeVisible();
    await form.getByLabel("Output $/M").fill("0.75");
    await form.getByRole("button", { name: "Save" }).click();
    await expect(form.getByText("Saved.")).toBeVisible();
    await page.goto("/t/demo/models");
    await expect(page.getByTestId("models-table").getByRole("row").filter({ hasText: "gpt-4o-mini" })).toContainText("$0.75");
  });
});

test("a member does not see the admin pages", async ({ browser }) => {
  const ctx = await browser.newContext({ storageState: stateFile("member") });
  const page = await ctx.newPage();
  const res = await page.goto("/t/demo/admin/providers");
  expect(res?.status()).toBe(404);
  await ctx.close();
});

test.describe("routing settings", () => {
  test.use({ storageState: stateFile("owner") });

  test("a judge model grades the unified API's answers: score and was_optimal_choice appear, and go back to null without it", async ({ page }) => {
    const setJudge = (model: string) =>
      saveForm(page, { url: "/t/labs/admin/routing", formId: "routing-settings", button: "Save routing settings", saved: "Saved; the next call uses these settings.", fill: (form) => form.getByLabel("Judge model").selectOption(model) });
    await setJudge("gpt-4.1");
    await page.reload();
    await expect(page.getByTestId("routing-settings").getByLabel("Judge model")).toHaveValue("gpt-4.1");

    await page.goto("/t/labs/admin/keys");
    await page.getByTestId("create-key-form").getByLabel("Name").fill(`judge ${Date.now().toString(36)}`);
    await page.getByTestId("create-key-form").getByRole("button", { name: "Create key" }).click();
    const secret = (await page.getByTestId("new-api-key").textContent())!.trim();
    const delegate = async () => {
      const res = await page.request.post("/api/v1/delegate", { headers: { authorization: `Bearer ${secret}` }, data: { task: { description: "What is 17 * 23?" } } });
      expect(res.status()).toBe(200);
      return res.json();
    };
    const judged = await delegate();
    expect(judged.quality_metrics.judged_by).toBe("gpt-4.1");
    expect(judged.quality_metrics.score).toBeGreaterThanOrEqual(0);
    expect(typeof judged.learning_feedback.was_optimal_choice).toBe("boolean");

    await setJudge("");
    const plain = await delegate();
    expect(plain.quality_metrics).toEqual({ score: null, judged_by: null, user_rating: null });
    expect(plain.learning_feedback.was_optimal_choice).toBeNull();
  });

  test("an allow-list limits what auto routing may choose, and a model outside it is refused", async ({ page }) => {
    await page.goto("/t/labs/admin/routing");
    const form = page.getByTestId("routing-settings");
    await form.getByRole("checkbox", { name: "grok-3-mini" }).check();
    await form.getByRole("button", { name: "Save routing settings" }).click();
    await expect(form.getByText("Saved; the next call uses these settings.")).toBeVisible();

    await page.goto("/t/labs/playground");
    await page.getByLabel("Task").fill("Write a short poem about spreadsheets.");
    await page.getByRole("button", { name: "Run" }).click();
    await expect(page.getByTestId("result-model")).toHaveText("grok-3-mini");

    await page.getByLabel("Model", { exact: true }).selectOption("gpt-4.1");
    await page.getByRole("button", { name: "Run" }).click();
    await expect(page.getByTestId("result-error")).toContainText("gpt-4.1");

    await page.goto("/t/labs/admin/routing");
    await page.getByTestId("routing-settings").getByRole("checkbox", { name: "grok-3-mini" }).uncheck();
    await page.getByTestId("routing-settings").getByRole("button", { name: "Save routing settings" }).click();
    await expect(page.getByText("Saved; the next call uses these settings.")).toBeVisible();

    await page.goto("/t/labs/admin/audit");
    await expect(page.getByTestId("audit-table")).toContainText("routing.update");
  });
});

type NewModel = { provider?: string; name: string; displayName: string; input: string; output: string; contextWindow: string };

/** Opens Admin → Models and fills the "Add a model" form's provider, names, prices and window; returns the form. */
async function fillAddModel(page: Page, m: NewModel & { provider: string }) {
  await page.goto("/t/demo/admin/models");
  const add = page.locator("form").filter({ has: page.getByRole("heading", { name: "Add a model" }) });
  await fillModel(add, m);
  return add;
}

/** Fills the "Add a model" form `add`: its provider when given (else the one shown stays), names, prices and window. */
async function fillModel(add: Locator, m: NewModel) {
  if (m.provider) await add.getByLabel("Provider").selectOption({ label: m.provider });
  await add.getByLabel("Model id").fill(m.name);
  await add.getByLabel("Display name").fill(m.displayName);
  await add.getByLabel("Input $/M", { exact: true }).fill(m.input);
  await add.getByLabel("Output $/M").fill(m.output);
  await add.getByLabel("Context window").fill(m.contextWindow);
}

test.describe("model capabilities", () => {
  test.use({ storageState: stateFile("admin") });

  test("the Models page shows each model's tool calling and image input, and an admin's change shows there", async ({ page }) => {
    const cell = (model: string, cap: "tool-calling" | "image-input") => page.getByTestId(`caps-${model}`).getByTestId(cap);
    await page.goto("/t/demo/models");
    await expect(cell("grok-3", "tool-calling")).toHaveText("yes");
    await expect(cell("grok-3", "image-input")).toHaveText("no");
    await expect(cell("gpt-4.1-mini", "image-input")).toHaveText("yes");

    const setImages = async (on: boolean) => {
      await page.goto("/t/demo/admin/models");
      const form = page.getByTestId("model-grok-3");
      await form.getByLabel("Image input").setChecked(on);
      await form.getByRole("button", { name: "Save" }).click();
      await expect(form.getByText("Saved.")).toBeVisible();
    };
    await setImages(true);
    await page.goto("/t/demo/models");
    await expect(cell("grok-3", "image-input")).toHaveText("yes");
    await setImages(false);
    await page.goto("/t/demo/models");
    await expect(cell("grok-3", "image-input")).toHaveText("no");
  });

  test("a model an admin adds starts without capabilities, and the form says what that means", async ({ page }) => {
    await page.goto("/t/demo/admin/models");
    const add = page.locator("form").filter({ has: page.getByRole("heading", { name: "Add a model" }) });
    await expect(add.getByLabel("Tool calling")).not.toBeChecked();
    await expect(add.getByLabel("Image input")).not.toBeChecked();
    await expect(add.getByLabel("Reasoning effort")).not.toBeChecked();
    await expect(add).toContainText("Unticked, the router sends it no request that carries tools, images or reasoning_effort, and a request naming it gets a 400");
    // What reasoning effort means depends on the provider's kind.
    await add.getByLabel("Provider").selectOption({ label: "OpenAI" });
    await expect(add).toContainText("Reasoning effort: a reasoning model whose endpoint takes OpenAI's reasoning_effort");
  });

  test("an add the server refuses keeps everything typed, with the reason beside the field", async ({ page }) => {
    const name = `refused-${Date.now().toString(36)}`;
    const add = await fillAddModel(page, { provider: "Anthropic", name, displayName: "Refused", input: "-1", output: "4", contextWindow: "100000" });
    await add.getByLabel("Tool calling").check();
    await add.getByRole("button", { name: "Add model" }).click();
    await expect(add.getByText("Prices cannot be negative.", { exact: true })).toBeVisible();
    await expect(add.getByRole("status")).toHaveCount(0);
    await expect(add.getByLabel("Provider").locator("option:checked")).toHaveText("Anthropic");
    await expect(add.getByLabel("Model id")).toHaveValue(name);
    await expect(add.getByLabel("Display name")).toHaveValue("Refused");
    // The field's label now carries its error too.
    await expect(add.getByRole("textbox", { name: /^Input \$\/M Prices cannot be negative\./ })).toHaveValue("-1");
    await expect(add.getByLabel("Output $/M")).toHaveValue("4");
    await expect(add.getByLabel("Context window")).toHaveValue("100000");
    await expect(add.getByLabel("Tool calling")).toBeChecked();
    await expect(page.getByTestId(`model-${name}`)).toHaveCount(0);
  });

  test("the reasoning effort box says what it means for the provider's kind, and cannot be ticked for a Mistral model", async ({ page }) => {
    await page.goto("/t/demo/admin/models");
    const add = page.locator("form").filter({ has: page.getByRole("heading", { name: "Add a model" }) });
    await add.getByLabel("Provider").selectOption({ label: "Anthropic" });
    await expect(add.getByTestId("reasoning-effort-help")).toContainText("Reasoning effort on Claude models is extended thinking");
    await expect(add.getByLabel("Reasoning effort")).toBeEnabled();
    await add.getByLabel("Provider").selectOption({ label: "Mistral" });
    await expect(add.getByLabel("Reasoning effort")).toBeDisabled();
    await expect(add.getByTestId("reasoning-effort-help")).toContainText("Reasoning effort cannot be ticked for Mistral models");
    const mistral = page.getByTestId("model-mistral-small-latest");
    await expect(mistral.getByLabel("Reasoning effort")).toBeDisabled();
    await expect(page.getByTestId("model-claude-sonnet-4-20250514").getByLabel("Reasoning effort")).toBeChecked();
  });

  test("after an add the form keeps the provider, not the first one, and empties the rest: the next model goes to the same provider", async ({ page }) => {
    const stamp = Date.now().toString(36);
    const [first, second] = [`mistral-extra-${stamp}`, `mistral-more-${stamp}`];
    const add = await fillAddModel(page, { provider: "Mistral", name: first, displayName: "Extra", input: "0.1", output: "0.3", contextWindow: "32000" });
    // Disabled: the mock fleet does not serve it, and other specs' "auto" calls must not pick it.
    await add.getByLabel("Enabled").uncheck();
    await add.getByRole("button", { name: "Add model" }).click();
    await expect(add.getByRole("status")).toContainText(`${first} was added to Mistral.`);
    await expect(add.getByLabel("Provider").locator("option").first()).not.toHaveText("Mistral");
    await expect(add.getByLabel("Provider").locator("option:checked")).toHaveText("Mistral");
    for (const field of ["Model id", "Display name", "Output $/M", "Context window"]) await expect(add.getByLabel(field)).toHaveValue("");
    await expect(add.getByLabel("Input $/M", { exact: true })).toHaveValue("");
    await expect(add.getByLabel("Enabled")).toBeChecked();
    // What the form shows is what it sends: the next model, its provider not picked again, is Mistral's.
    await expect(add.getByTestId("reasoning-effort-help")).toContainText("Reasoning effort cannot be ticked for Mistral models");
    await fillModel(add, { name: second, displayName: "More", input: "0.1", output: "0.3", contextWindow: "32000" });
    await add.getByLabel("Enabled").uncheck();
    await add.getByRole("button", { name: "Add model" }).click();
    await expect(add.getByRole("status")).toContainText(`${second} was added to Mistral.`);
    await expect(page.getByTestId(`model-${second}`)).toContainText("Mistral");
  });

  test("max output tokens: above the window it is refused beside the field; a model added with one shows it on the Models page", async ({ page }) => {
    test.slow(); // three page loads and two adds
    const name = `capped-${Date.now().toString(36)}`;
    const add = await fillAddModel(page, { provider: "OpenAI", name, displayName: "Capped", input: "1", output: "2", contextWindow: "32000" });
    // Disabled: the mock fleet does not serve it, and other specs' "auto" calls must not pick it.
    await add.getByLabel("Enabled").uncheck();
    await add.getByLabel("Max output tokens").fill("64000");
    await add.getByRole("button", { name: "Add model" }).click();
    await expect(add.getByText("Enter 32,000 or less (the model's window), or leave it empty if unknown.")).toBeVisible();
    await expect(page.getByTestId(`model-${name}`)).toHaveCount(0);
    await add.getByLabel("Max output tokens").fill("16000");
    await add.getByRole("button", { name: "Add model" }).click();
    await expect(add.getByRole("status")).toContainText(`${name} was added to OpenAI.`);
    await expect(page.getByTestId(`model-${name}`).getByLabel("Max output tokens")).toHaveValue("16000");
    await page.goto("/t/demo/models");
    const maxOutput = (model: string) => page.getByTestId(`caps-${model}`).getByTestId("max-output");
    await expect(maxOutput(name)).toHaveText("16,000");
    await expect(maxOutput("claude-3-5-haiku-20241022")).toHaveText("8,192");
    await expect(maxOutput("grok-3")).toHaveText("unknown");
  });

  test("an admin adds a reasoning model with reasoning effort ticked, the Models page shows it, and unticking it there shows too", async ({ page }) => {
    test.slow(); // five page loads and two saves: near the default 30 s on a busy 2-core machine
    const name = `o5-mini-${Date.now().toString(36)}`;
    const reasoning = () => page.getByTestId(`caps-${name}`).getByTestId("reasoning-effort");
    await page.goto("/t/demo/models");
    await expect(page.getByTestId("caps-grok-3-mini").getByTestId("reasoning-effort")).toHaveText("yes");
    await expect(page.getByTestId("caps-grok-3").getByTestId("reasoning-effort")).toHaveText("no");

    const add = await fillAddModel(page, { provider: "OpenAI", name, displayName: "o5 mini", input: "1.1", output: "4.4", contextWindow: "200000" });
    // Disabled: the mock fleet does not serve it, and other specs' "auto" calls must not pick it.
    await add.getByLabel("Enabled").uncheck();
    await add.getByLabel("Reasoning effort").check();
    await add.getByRole("button", { name: "Add model" }).click();
    const row = page.getByTestId(`model-${name}`);
    await expect(row.getByLabel("Reasoning effort")).toBeChecked();
    await expect(row.getByLabel("Tool calling")).not.toBeChecked();
    // The form says so once the action has finished (leaving before would abort its refresh).
    await expect(add.getByRole("status")).toHaveText(`${name} was added to OpenAI. It is disabled: tick Enabled on its row above and save to let calls use it.`);
    await expect(add.getByRole("button", { name: "Add model" })).toBeEnabled();
    // The form is empty for the next model; the message stays.
    for (const field of ["Model id", "Display name", "Output $/M", "Context window"]) await expect(add.getByLabel(field)).toHaveValue("");
    await expect(add.getByLabel("Input $/M", { exact: true })).toHaveValue("");
    await expect(add.getByLabel("Enabled")).toBeChecked();
    await expect(add.getByLabel("Reasoning effort")).not.toBeChecked();
    await expect(add.getByRole("status")).toContainText(`${name} was added to OpenAI.`);
    await page.goto("/t/demo/models");
    await expect(reasoning()).toHaveText("yes");

    await page.goto("/t/demo/admin/models");
    await page.getByTestId(`model-${name}`).getByLabel("Reasoning effort").uncheck();
    await page.getByTestId(`model-${name}`).getByRole("button", { name: "Save" }).click();
    await expect(page.getByTestId(`model-${name}`).getByText("Saved.")).toBeVisible();
    await page.goto("/t/demo/models");
    await expect(reasoning()).toHaveText("no");
  });
});
