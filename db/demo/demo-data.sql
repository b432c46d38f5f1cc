-- A small demo data set for the README's run command: two plans, three users, three subscriptions.
-- Safe to apply again (fixed ids, ON CONFLICT DO NOTHING). Dates are relative to the billing
-- clock so that one subscription is due today, one next week and one cancels at the end of its
-- period: run.sh passes its test clock as `psql -v demo_now=...`; without one, now().
\if :{?demo_now}
\else
  \set demo_now ''
\endif
SELECT date_trunc('hour', coalesce(nullif(:'demo_now', '')::timestamptz, now())) AS demo_hour \gset
INSERT INTO subscription_plans (id, name, price, interaction_credits, scraper_credits) VALUES
  ('00000000-0000-4000-8000-000000000001', 'Starter', 49000, 200, 100),
  ('00000000-0000-4000-8000-000000000002', 'Pro', 149000, 1000, 500)
ON CONFLICT (id) DO NOTHING;

INSERT INTO users (id, email, full_name, phone) VALUES
  ('user_demo_ayu',  'ayu@example.com',  'Ayu Lestari',   '081234567801'),
  ('user_demo_budi', 'budi@example.com', 'Budi Santoso',  '081234567802'),
  ('user_demo_citra','citra@example.com','Citra Wulandari','081234567803')
ON CONFLICT (id) DO NOTHING;

INSERT INTO subscriptions (id, user_id, plan_id, status, billing_anchor, current_period_start, current_period_end, cancel_at_period_end) VALUES
  ('00000000-0000-4000-9000-000000000001', 'user_demo_ayu',  '00000000-0000-4000-8000-000000000002', 'active',
   :'demo_hour'::timestamptz - interval '1 month', :'demo_hour'::timestamptz - interval '1 month', :'demo_hour'::timestamptz, false),
  ('00000000-0000-4000-9000-000000000002', 'user_demo_budi', '00000000-0000-4000-8000-000000000001', 'active',
   :'demo_hour'::timestamptz - interval '3 weeks', :'demo_hour'::timestamptz - interval '3 weeks', :'demo_hour'::timestamptz - interval '3 weeks' + interval '1 month', false),
  ('00000000-0000-4000-9000-000000000003', 'user_demo_citra','00000000-0000-4000-8000-000000000001', 'active',
   :'demo_hour'::timestamptz - interval '1 month', :'demo_hour'::timestamptz - interval '1 month', :'demo_hour'::timestamptz, true)
ON CONFLICT (id) DO NOTHING;
