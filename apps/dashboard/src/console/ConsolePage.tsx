import type { ComponentType } from 'react';
import { Link } from '../router';
import { ConsoleOverview } from './ConsoleOverview';
import { ConsolePayments } from './ConsolePayments';
import { ConsoleSubscriptions } from './ConsoleSubscriptions';
import { ConsoleUsers } from './ConsoleUsers';
import './console.css';

interface View {
  to: string;
  label: string;
  View: ComponentType;
}

const VIEWS: View[] = [
  { to: '/console', label: 'Overview', View: ConsoleOverview },
  { to: '/console/subscriptions', label: 'Subscriptions', View: ConsoleSubscriptions },
  { to: '/console/users', label: 'Users', View: ConsoleUsers },
  { to: '/console/payments', label: 'Payments', View: ConsolePayments },
];

/**
 * The operator console, for the owner of a self-hosted instance and the wallets in
 * LIGHTHOUSE_ADMIN_WALLETS: the instance's health, everyone's subscriptions, users and
 * payments. The API decides who may see it (anyone else gets 404, which each view shows).
 */
export function ConsolePage({ pathname }: { pathname: string }) {
  const path = pathname.replace(/\/+$/, '') || '/';
  const current = VIEWS.find((view) => view.to === path);
  return (
    <section className="console" aria-labelledby="console-title">
      <h2 id="console-title">Console</h2>
      <nav aria-label="Console">
        <ul className="console-nav">
          {VIEWS.map((view) => (
            <li key={view.to}>
              <Link to={view.to} aria-current={view === current ? 'page' : undefined}>
                {view.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {current ? (
        <current.View />
      ) : (
        <div className="card">
          <h3>Page not found</h3>
          <p>
            The console has nothing at <code>{pathname}</code>.{' '}
            <Link to="/console">Back to the overview</Link>
          </p>
        </div>
      )}
    </section>
  );
}
