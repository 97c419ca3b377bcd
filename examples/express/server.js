// Stripe and GitHub webhook receivers in one Express app.
// Run: STRIPE_WEBHOOK_SECRET=whsec_... GITHUB_WEBHOOK_SECRET=... node server.js [PORT]
import express from "express";
import { stripeRouter } from "./stripe.js";
import { githubRouter } from "./github.js";

const secrets = {
  stripe: process.env.STRIPE_WEBHOOK_SECRET,
  github: process.env.GITHUB_WEBHOOK_SECRET,
};
if (!secrets.stripe && !secrets.github) {
  console.error("set STRIPE_WEBHOOK_SECRET and/or GITHUB_WEBHOOK_SECRET");
  process.exit(2);
}
const port = Number(process.argv[2] ?? process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";

const app = express();
app.disable("x-powered-by");
// No app-wide express.json(): it would consume the body before the
// webhook routes see the raw bytes.
if (secrets.stripe) app.use(stripeRouter(secrets.stripe));
if (secrets.github) app.use(githubRouter(secrets.github));

const server = app.listen(port, host, () => {
  const { address, port } = server.address();
  console.log(`listening on http://${address}:${port}`);
});
