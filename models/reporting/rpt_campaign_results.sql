-- «Что сработало» / "What worked": the measured effect of every earlier campaign, its latest
-- reads over every published month (history.campaign_results_history): per campaign and read
-- (final, early) the rows of one outcome month, this build's month first (it replaces what an
-- earlier publication of the month read), else the latest. Newest campaign first, final read
-- first, the whole campaign, then per action and per segment, the largest groups first. Rates
-- and intervals to 4 decimals, profits to 2.
with

results as (
    select * from {{ ref('campaign_results_history') }}
),

-- the outcome month each campaign's read is shown from: this build's, else the latest
read_months as (
    select distinct
        campaign_month,
        outcome_read,
        outcome_month
    from results
),

ranked_months as (
    select
        *,
        row_number() over (
            partition by campaign_month, outcome_read
            order by
                outcome_month = '{{ var("delivery_month") }}' desc,
                outcome_month desc
        ) as recency
    from read_months
),

latest as (
    select results.*
    from results
    inner join ranked_months
        on
            results.campaign_month = ranked_months.campaign_month
            and results.outcome_read = ranked_months.outcome_read
            and results.outcome_month = ranked_months.outcome_month
    where ranked_months.recency = 1
),

ordered as (
    select
        campaign_month,
        outcome_month,
        outcome_read,
        outcome,
        group_level,
        group_name,
        contacted_customers,
        control_customers,
        round(contacted_value, 4) as contacted_value,
        round(control_value, 4) as control_value,
        round(difference, 4) as difference,
        round(difference_low, 4) as difference_low,
        round(difference_high, 4) as difference_high,
        interval_method,
        round(minimal_detectable_effect, 4) as minimal_detectable_effect,
        is_informative,
        round(success_share, 4) as success_share,
        round(success_share_low, 4) as success_share_low,
        round(success_share_high, 4) as success_share_high,
        round(profit_kept, 2) as profit_kept,
        round(profit_kept_low, 2) as profit_kept_low,
        round(profit_kept_high, 2) as profit_kept_high
    from latest
    order by
        campaign_month desc,
        outcome_read desc,
        case group_level when 'all' then 1 when 'action' then 2 else 3 end,
        contacted_customers + control_customers desc,
        group_name asc
)

select * from ordered
