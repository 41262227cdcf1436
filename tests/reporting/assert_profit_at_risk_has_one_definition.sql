-- Profit at risk has one definition (marketing.customer_risk): the report's summary, the
-- contact list with the customers who do not allow offers, the segment grid and the segment
-- summary all add up to the same total (the lists round each customer's value to 2 decimals:
-- they may differ by half a cent per customer).
with

summary as (
    select profit_at_risk from {{ ref('rpt_summary') }}
),

totals as (
    select
        'retention_targets and customers without consent' as relation,
        (select sum(profit_at_risk) from {{ ref('retention_targets') }})
        + (
            select coalesce(sum(profit_at_risk), 0) from {{ ref('customer_risk') }}
            where not allow_offers
        ) as profit_at_risk,
        (select count(*) from {{ ref('retention_targets') }}) as rounded_rows
    union all
    select
        'risk_profit_matrix' as relation,
        sum(profit_at_risk) as profit_at_risk,
        count(*) as rounded_rows
    from {{ ref('risk_profit_matrix') }}
    union all
    select
        'segment_summary cells' as relation,
        sum(profit_at_risk) as profit_at_risk,
        0 as rounded_rows
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
    > 0.005 * totals.rounded_rows + 1e-6 * greatest(1, summary.profit_at_risk)
