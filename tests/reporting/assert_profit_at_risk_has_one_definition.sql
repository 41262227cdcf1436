-- Profit at risk has one definition (marketing.customer_risk): the report's summary, the
-- retention list, the segment grid and the segment summary all add up to the same total.
with

summary as (
    select profit_at_risk from {{ ref('rpt_summary') }}
),

totals as (
    select
        'retention_targets' as relation,
        sum(profit_at_risk) as profit_at_risk
    from {{ ref('retention_targets') }}
    union all
    select
        'risk_profit_matrix' as relation,
        sum(profit_at_risk) as profit_at_risk
    from {{ ref('risk_profit_matrix') }}
    union all
    select
        'segment_summary cells' as relation,
        sum(profit_at_risk) as profit_at_risk
    from {{ ref('segment_summary') }}
    where segment_family = 'risk_profit_matrix'
)

select
    totals.relation,
    totals.profit_at_risk,
    summary.profit_at_risk as summary_profit_at_risk
from totals
cross join summary
where
    abs(totals.profit_at_risk - summary.profit_at_risk)
    > 1e-6 * greatest(1, summary.profit_at_risk)
