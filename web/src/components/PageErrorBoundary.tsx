import { Component, type ErrorInfo, type ReactNode } from 'react';
import { reportDown } from '../api/connection';
import { ErrorAlert } from './Alerts';

interface Props {
  /** The page's path: going to another page tries again. */
  resetKey: string;
  children: ReactNode;
}

interface State {
  failed: boolean;
}

/**
 * Catches a page that fails to render, mostly a page's script chunk that
 * cannot be fetched (the network is down, or a new release replaced the
 * chunk). Without it React unmounts the whole portal and leaves a blank
 * window. React.lazy keeps a failed import failed, so "Try again" reloads
 * the document (which also picks up a new release).
 */
export class PageErrorBoundary extends Component<Props, State> {
  state: State = { failed: false };

  static getDerivedStateFromError(): State {
    return { failed: true };
  }

  componentDidCatch(error: unknown, info: ErrorInfo): void {
    if (typeof navigator !== 'undefined' && navigator.onLine === false) reportDown('fetch');
    console.error('page failed to load', error, info.componentStack);
  }

  componentDidUpdate(prev: Props): void {
    if (prev.resetKey !== this.props.resetKey && this.state.failed) this.setState({ failed: false });
  }

  render() {
    if (!this.state.failed) return this.props.children;
    return (
      <section className="not-found">
        <h1>This page could not be loaded</h1>
        <ErrorAlert>The portal could not load this page. Please check your connection and try again.</ErrorAlert>
        <button type="button" className="btn btn-primary" onClick={() => window.location.reload()}>
          Try again
        </button>
      </section>
    );
  }
}
