-- Profit at risk has one definition (marketing.customer_risk): the report's summary, the
-- contact list, its control group and the site list with the customers outside them (not at
-- risk), the segment grid and the segment summary all add up to the same total (the lists round
-- each customer's value to 2 decimals: they may differ by half a cent per customer).
with

summary as (
    select profit_at_risk from {{ ref('rpt_summary') }}
),

totals as (
    select
        'contact_list, control_group, site_list and the customers not at risk' as relation,
        (select coalesce(sum(profit_at_risk), 0) from {{ ref('contact_list') }})
        + (select coalesce(sum(profit_at_risk), 0) from {{ ref('control_group') }})
        + (select coalesce(sum(profit_at_risk), 0) from {{ ref('site_list') }})
        + (
            select coalesce(sum(profit_at_risk), 0) from {{ ref('customer_risk') }}
            where risk_band not in {{ sql_list(var('at_risk_bands')) }}
        ) as profit_at_risk,
        (select count(*) from {{ ref('contact_list') }})
        + (select count(*) from {{ ref('control_group') }})
        + (select count(*) from {{ ref('site_list') }}) as rounded_rows
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
