-- The invoice composer: the one place that totals an invoice (contract §11, §12.1). Checkout,
-- renewal (per row of its set-based page), retry (which re-bills the amount composed here) and
-- plan change all call it; none computes a total of its own.
--
-- price → discount → tax → amount. p_discount is what a discount takes off the price (0 until
-- discounts exist). p_tax is {"rate": 12, "name": "PPN", "inclusive": true, "other_base_n": 11,
-- "other_base_d": 12}; a rate of 0 (the default) changes nothing and adds no line. Every value is
-- whole rupiah rounded half up (PostgreSQL's round(numeric) rounds halves away from zero, and
-- these are never negative), and each rounded value is what the next formula reads (contract
-- §12.1). With the other base f = n/d = 1/1 the tax line is exactly the one of contract §7.8 —
-- no other_taxable_base key — so invoices stay byte-for-byte what they were; with f ≠ 1 the line
-- carries other_taxable_base (DPP nilai lain).
CREATE OR REPLACE FUNCTION billing_compose_invoice(p_price bigint, p_discount bigint, p_tax jsonb)
RETURNS TABLE (amount bigint, tax_line jsonb)
LANGUAGE sql IMMUTABLE AS $$
    WITH s AS (
        SELECT greatest(p_price - coalesce(p_discount, 0), 0) AS p,
               coalesce((p_tax->>'rate')::numeric, 0) AS r,
               coalesce((p_tax->>'inclusive')::boolean, true) AS inclusive,
               coalesce((p_tax->>'other_base_n')::numeric, 1) AS n,
               coalesce((p_tax->>'other_base_d')::numeric, 1) AS d,
               coalesce(p_tax->>'name', 'PPN') AS name
    ), tax AS (
        -- Inclusive: the PPN inside p is p × r·f ÷ (100 + r·f); exclusive: r % of DPP nilai lain.
        SELECT s.*,
               CASE WHEN s.inclusive THEN round(s.p * s.r * s.n / (100 * s.d + s.r * s.n))::bigint
                    ELSE round(round(s.p * s.n / s.d) * s.r / 100)::bigint END AS t
          FROM s
    ), line AS (
        SELECT tax.*,
               CASE WHEN tax.inclusive THEN tax.p - tax.t ELSE tax.p END AS taxable_base
          FROM tax
    )
    SELECT CASE WHEN line.r <= 0 OR line.p = 0 OR line.inclusive THEN line.p ELSE line.p + line.t END,
           CASE WHEN line.r <= 0 OR line.p = 0 THEN NULL
                ELSE jsonb_build_object('type', 'tax', 'name', line.name, 'rate', line.r,
                                        'taxable_base', line.taxable_base, 'amount', line.t, 'inclusive', line.inclusive)
                     || CASE WHEN line.n = line.d THEN '{}'::jsonb
                             ELSE jsonb_build_object('other_taxable_base', round(line.taxable_base * line.n / line.d)::bigint) END
           END
      FROM line
$$;
