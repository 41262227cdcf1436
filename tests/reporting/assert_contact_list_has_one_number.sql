-- One contact list, one number: marketing.contact_list's places run 1..N with no gaps and its
-- running total ends at its total profit at risk; the full list the CSV is written from
-- (rpt_contact_list), the report's opening figures (rpt_summary) and the coverage curve
-- (rpt_retention_curve, last point) describe the same customers with the same count and total.
-- The same holds for the site list. Every row returned is a disagreement.
with

contact_list as (
    select * from {{ ref('contact_list') }}
),

contact as (
    select
        count(*) as customers,
        coalesce(max(priority_rank), 0) as last_place,
        coalesce(round(sum(profit_at_risk), 2), 0) as rounded_total,
        coalesce(max(cumulative_profit_at_risk), 0) as running_total,
        -- arg_max: the running total at the last place
        coalesce(arg_max(cumulative_profit_at_risk, priority_rank), 0) as total_at_last_place
    from contact_list
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
    select
        'contact places 1..N' as what,
        contact.last_place as found,
        contact.customers as expected
    from contact
    union all
    select
        'contact running total at the last place' as what,
        contact.total_at_last_place as found,
        contact.running_total as expected
    from contact
    union all
    -- the rows' rounded values may differ from the exact total by half a cent each
    select
        'contact running total against its rows' as what,
        contact.running_total as found,
        case
            when abs(contact.running_total - contact.rounded_total) <= 0.005 * contact.customers
                then contact.running_total
            else contact.rounded_total
        end as expected
    from contact
    union all
    select
        'site places 1..N' as what,
        site.last_place as found,
        site.customers as expected
    from site
    union all
    select
        'CSV customers' as what,
        csv.customers as found,
        contact.customers as expected
    from csv cross join contact
    union all
    select
        'CSV total' as what,
        csv.running_total as found,
        contact.running_total as expected
    from csv cross join contact
    union all
    select
        'curve total' as what,
        curve.running_total as found,
        contact.running_total as expected
    from curve cross join contact
    union all
    select
        'summary customers' as what,
        summary.contact_customers as found,
        contact.customers as expected
    from summary cross join contact
    union all
    select
        'summary total' as what,
        summary.contact_profit_at_risk as found,
        contact.running_total as expected
    from summary cross join contact
    union all
    select
        'summary site customers' as what,
        summary.site_only_customers as found,
        site.customers as expected
    from summary cross join site
    union all
    select
        'summary site total' as what,
        summary.site_only_profit_at_risk as found,
        site.running_total as expected
    from summary cross join site
)

select * from checks
where found != expected
