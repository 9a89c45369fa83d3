import { Router } from 'express';
import { accountPaths } from '../openapi/account';
import { componentSchemas } from '../openapi/components';
import { consolePaths } from '../openapi/console';
import { historyPaths } from '../openapi/history';
import { platformPaths } from '../openapi/platform';
import { statusPagePaths } from '../openapi/status-pages';
import { pushPaths, subscriptionPaths } from '../openapi/subscriptions';

/**
 * The OpenAPI 3.1 document. Its schemas are generated: answers from the contract
 * (@lighthouse/contracts, which the routes' answer builders are typed by), request bodies from
 * the zod schemas the routes validate with. The paths name them.
 */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'Lighthouse API', version: '1' },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'a session token from /v1/auth/verify or an API key; a key with scope "read" gets 403 forbidden on anything but GET and HEAD',
        },
      },
      schemas: componentSchemas(),
    },
    paths: {
      ...platformPaths,
      ...accountPaths,
      ...subscriptionPaths,
      ...pushPaths,
      ...statusPagePaths,
      ...historyPaths,
      ...consolePaths,
    },
  };
}

export function openApiRoutes(): Router {
  const document = openApiDocument();
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  return router;
}
