-- One contact list, one number: marketing.contact_list's places run 1..N with no gaps and its
-- running total ends at its total profit at risk; the full list the CSV is written from
-- (rpt_contact_list), the report's opening figures (rpt_summary) and the coverage curve
-- (rpt_retention_curve, last point) describe the same customers with the same count and total.
-- The same holds for the site list. Every row returned is a disagreement.
with

contact as (
    select
        count(*) as customers,
        coalesce(max(priority_rank), 0) as last_place,
        coalesce(round(sum(profit_at_risk), 2), 0) as rounded_total,
        coalesce(max(cumulative_profit_at_risk), 0) as running_total,
        coalesce(max(cumulative_profit_at_risk) filter (
            where priority_rank = (select max(priority_rank) from {{ ref('contact_list') }})
        ), 0) as total_at_last_place
    from {{ ref('contact_list') }}
),

site as (
    select
        count(*) as customers,
        coalesce(max(priority_rank), 0) as last_place,
        coalesce(max(cumulative_profit_at_risk), 0) as running_total
    from {{ ref('site_list') }}
),

csv as (
    select
        count(*) as customers,
        coalesce(max(cumulative_profit_at_risk), 0) as running_total
    from {{ ref('rpt_contact_list') }}
),

curve as (
    select coalesce(max(cumulative_profit_at_risk), 0) as running_total
    from {{ ref('rpt_retention_curve') }}
),

summary as (
    select * from {{ ref('rpt_summary') }}
),

checks as (
    select 'contact places 1..N' as what, contact.last_place as found, contact.customers as expected
    from contact
    union all
    select 'contact running total at the last place', contact.total_at_last_place,
        contact.running_total
    from contact
    -- the rounded values may differ from the exact total by half a cent per customer
    union all
    select 'contact running total against its rows', contact.running_total,
        case
            when abs(contact.running_total - contact.rounded_total) <= 0.005 * contact.customers
                then contact.running_total
            else contact.rounded_total
        end
    from contact
    union all
    select 'site places 1..N', site.last_place, site.customers from site
    union all
    select 'CSV customers', csv.customers, contact.customers from csv cross join contact
    union all
    select 'CSV total', csv.running_total, contact.running_total from csv cross join contact
    union all
    select 'curve total', curve.running_total, contact.running_total from curve cross join contact
    union all
    select 'summary customers', summary.contact_customers, contact.customers
    from summary cross join contact
    union all
    select 'summary total', summary.contact_profit_at_risk, contact.running_total
    from summary cross join contact
    union all
    select 'summary site customers', summary.site_only_customers, site.customers
    from summary cross join site
    union all
    select 'summary site total', summary.site_only_profit_at_risk, site.running_total
    from summary cross join site
)

select * from checks
where found != expected
