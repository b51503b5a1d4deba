import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { cases } from '../api/endpoints';
import { ApiError } from '../api/problem';
import type { ActivityItem, Attachment, CaseDetail as Case, CaseSummary, Watcher } from '../api/types';
import { ErrorAlert, Loading } from '../components/Alerts';
import { StateBadge } from '../components/Badges';
import { ActivityTab } from '../components/case/ActivityTab';
import { AttachmentsTab } from '../components/case/AttachmentsTab';
import { CaseActions } from '../components/case/CaseActions';
import { CaseFields } from '../components/case/CaseFields';
import { WatchersTab } from '../components/case/WatchersTab';
import { Tabs } from '../components/Tabs';
import { useAuth } from '../context/AuthContext';
import { useLiveStream } from '../hooks/useLiveStream';
import { usePageTitle } from '../hooks/usePageTitle';

interface Loaded<T> {
  data?: T;
  error?: unknown;
}

const ACTIVITY_PAGE = 100;

function CaseNotFound({ number }: { number: string }) {
  usePageTitle('Case not found');
  return (
    <section className="not-found">
      <h1>Case not found</h1>
      <p>Case {number} was not found. It may not exist, or it may belong to an account you do not have access to.</p>
      <p>
        <Link to="/support">Go to your cases</Link>
      </p>
    </section>
  );
}

function CasePage({ number }: { number: string }) {
  const { isStaff } = useAuth();
  const [kase, setKase] = useState<Loaded<Case>>({});
  const [activity, setActivity] = useState<Loaded<ActivityItem[]>>({});
  const [activityCursor, setActivityCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [attachments, setAttachments] = useState<Loaded<Attachment[]>>({});
  const [watchers, setWatchers] = useState<Loaded<Watcher[]>>({});
  const [tab, setTab] = useState('activity');
  const version = useRef(0);
  usePageTitle(kase.data ? `${kase.data.number}: ${kase.data.subject}` : number);

  const loadCase = useCallback(async () => {
    try {
      const c = await cases.get(number);
      version.current = Math.max(version.current, c.version);
      setKase({ data: c });
    } catch (error) {
      setKase((k) => ({ data: error instanceof ApiError && error.status === 404 ? undefined : k.data, error }));
    }
  }, [number]);

  const loadActivity = useCallback(async () => {
    try {
      // Oldest first; follow the pages so the stream is whole.
      let all: ActivityItem[] = [];
      let after: string | null = null;
      for (let i = 0; i < 5; i++) {
        const p = await cases.activity(number, { size: ACTIVITY_PAGE, after });
        all = all.concat(p.data);
        after = p.meta.has_more ? p.meta.after_cursor : null;
        if (!after) break;
      }
      setActivity({ data: all });
      setActivityCursor(after);
    } catch (error) {
      setActivity((a) => ({ data: a.data, error }));
    }
  }, [number]);

  const loadMoreActivity = async () => {
    if (!activityCursor) return;
    setLoadingMore(true);
    try {
      const p = await cases.activity(number, { size: ACTIVITY_PAGE, after: activityCursor });
      setActivity((a) => ({ data: [...(a.data ?? []), ...p.data] }));
      setActivityCursor(p.meta.has_more ? p.meta.after_cursor : null);
    } catch (error) {
      setActivity((a) => ({ data: a.data, error }));
    } finally {
      setLoadingMore(false);
    }
  };

  const loadAttachments = useCallback(async () => {
    try {
      setAttachments({ data: (await cases.attachments(number)).data });
    } catch (error) {
      setAttachments((a) => ({ data: a.data, error }));
    }
  }, [number]);

  const loadWatchers = useCallback(async () => {
    try {
      setWatchers({ data: (await cases.watchers(number)).data });
    } catch (error) {
      setWatchers((w) => ({ data: w.data, error }));
    }
  }, [number]);

  const loadAll = useCallback(async () => {
    await loadCase();
    await Promise.all([loadActivity(), loadAttachments(), loadWatchers()]);
  }, [loadCase, loadActivity, loadAttachments, loadWatchers]);

  useEffect(() => {
    version.current = 0;
    setKase({});
    void loadAll();
  }, [loadAll]);

  // Live: re-read when the stream reports a newer version than shown.
  const onCase = useCallback(
    (c: CaseSummary) => {
      if (c.number !== number || c.version <= version.current) return;
      void loadAll();
    },
    [number, loadAll],
  );
  useLiveStream(number, onCase);

  // After a command: show its answer at once, then re-read the rest
  // (the client sends Docket-Min-Position so the reads include the write).
  const afterCommand = (c?: Case) => {
    if (c && c.number) {
      version.current = Math.max(version.current, c.version);
      setKase({ data: c });
    }
    void (c ? Promise.all([loadActivity(), loadAttachments(), loadWatchers()]) : loadAll());
  };

  if (kase.error instanceof ApiError && kase.error.status === 404) return <CaseNotFound number={number} />;
  if (!kase.data) {
    return (
      <div>
        <h1>Case {number}</h1>
        {kase.error ? <ErrorAlert error={kase.error} /> : <Loading />}
        {kase.error != null && (
          <button type="button" className="btn" onClick={() => void loadAll()}>
            Try again
          </button>
        )}
      </div>
    );
  }
  const c = kase.data;
  return (
    <article className="case-detail">
      <div className="case-title">
        <p className="case-number">{c.number}</p>
        <h1>{c.subject}</h1>
        <StateBadge state={c.state} />
      </div>
      {kase.error != null && <ErrorAlert error={kase.error} />}
      <CaseActions c={c} isStaff={isStaff} onChanged={(nc) => afterCommand(nc)} />
      <section className="panel" aria-label="Case details">
        <CaseFields c={c} />
      </section>
      <Tabs
        label="Case"
        active={tab}
        onChange={setTab}
        tabs={[
          {
            id: 'activity',
            label: 'Activity Stream',
            content: (
              <>
                <ErrorAlert error={activity.error ?? undefined} />
                {activity.data ? (
                  <ActivityTab
                    c={c}
                    items={activity.data}
                    hasMore={Boolean(activityCursor)}
                    onMore={loadMoreActivity}
                    loadingMore={loadingMore}
                    isStaff={isStaff}
                    onChanged={(nc) => afterCommand(nc)}
                  />
                ) : (
                  !activity.error && <Loading />
                )}
              </>
            ),
          },
          {
            id: 'attachments',
            label: 'Manage Attachments',
            content: <AttachmentsTab c={c} items={attachments.data} error={attachments.error} onChanged={() => afterCommand()} />,
          },
          {
            id: 'watchers',
            label: 'Manage Watch List',
            content: <WatchersTab c={c} items={watchers.data} error={watchers.error} onChanged={() => afterCommand()} />,
          },
        ]}
      />
    </article>
  );
}

export default function CaseDetail() {
  const { number = '' } = useParams();
  const n = number.toUpperCase();
  if (!/^CS\d{11}$/.test(n)) return <CaseNotFound number={number} />;
  return <CasePage key={n} number={n} />;
}
